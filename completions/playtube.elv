
use builtin;
use str;

set edit:completion:arg-completer[playtube] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'playtube'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'playtube'= {
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print nothing but errors; no progress bars'
            cand --quiet 'Print nothing but errors; no progress bars'
            cand -v 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
            cand --verbose 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats'
            cand stats 'Show a running server''s /stats as a table (or JSON with --json)'
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'playtube;serve'= {
            cand --root 'The assets root written by the pipeline (<root>/<id>/stream.mp4, hls/, thumb.jpg). Env PLAYTUBE_ROOT; [serve] root'
            cand --addr 'Address to listen on. Env PLAYTUBE_ADDR; [serve] addr. Default 127.0.0.1:8090'
            cand --cache-size 'Memory cache budget for playlists, segments and posters (bytes, or e.g. 512MiB). Env VIDEO_CACHE_SIZE; [serve] cache_size. Default 1GiB'
            cand --cache-enabled 'Turn the memory cache on or off. Env VIDEO_CACHE_ENABLED; [serve] cache_enabled. Default true'
            cand --chunk-size 'Bytes per chunk of an MP4, the unit held in the memory cache (or read per step with the cache off). Env VIDEO_CHUNK_SIZE; [serve] chunk_size. Default 1MiB'
            cand --allowed-origin 'An origin allowed by CORS (repeat, or comma-separate; `*` allows any). Env ALLOWED_ORIGINS; [serve] allowed_origins. Default none (no CORS headers)'
            cand --workers 'Runtime threads (1 = single-threaded). Env PLAYTUBE_WORKERS; [serve] workers. Default: CPUs'
            cand --max-connections 'Connections served at once. Env PLAYTUBE_MAX_CONNECTIONS; [serve] max_connections. Default 10000'
            cand --access-log 'Write one access-log line per request. Env PLAYTUBE_ACCESS_LOG; [serve] access_log. Default true'
            cand --log-format 'Log format on stderr. Env PLAYTUBE_LOG_FORMAT; [serve] log_format. Default human'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print nothing but errors; no progress bars'
            cand --quiet 'Print nothing but errors; no progress bars'
            cand -v 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
            cand --verbose 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'playtube;stats'= {
            cand --url 'The server''s base URL (http only). Env PLAYTUBE_URL. Default http://127.0.0.1:8090'
            cand --watch 'Refresh every SECS seconds until interrupted (or until --count snapshots)'
            cand --count 'With --watch: stop after this many snapshots'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print nothing but errors; no progress bars'
            cand --quiet 'Print nothing but errors; no progress bars'
            cand -v 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
            cand --verbose 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'playtube;generate'= {
            cand --out 'The project directory whose completions/ and man/ folders are (re)written'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --json 'Print machine-readable JSON on stdout instead of tables'
            cand -q 'Print nothing but errors; no progress bars'
            cand --quiet 'Print nothing but errors; no progress bars'
            cand -v 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
            cand --verbose 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'playtube;help'= {
            cand serve 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats'
            cand stats 'Show a running server''s /stats as a table (or JSON with --json)'
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'playtube;help;serve'= {
        }
        &'playtube;help;stats'= {
        }
        &'playtube;help;generate'= {
        }
        &'playtube;help;help'= {
        }
    ]
    $completions[$command]
}
