
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
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand sign 'Make signed, expiring links to delivery routes, or check one'
            cand help 'Print this message or the help of the given subcommand(s)'
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
        &'playtube;sign'= {
            cand --asset 'Print every delivery URL of this asset: progressive stream, each quality, HLS master, thumbnail and watch page (with --json: a stream-config object)'
            cand --verify 'Check a signed URL offline and say why it would be refused (exit 1) or until when it works (exit 0)'
            cand --expires 'When the link stops working: a duration (90s, 15m, 1h, 7d, 1h30m) or a Unix time in seconds (1767225600). Default: [sign] expires, else 1h'
            cand --base-url 'Prefix for the printed links, e.g. https://cdn.example.com (default: [sign] base_url, else the bare path)'
            cand --ip 'Bind the link to one client address (IPv4 or IPv6). With --verify: the client address to check'
            cand --kid 'Sign with this named key from [sign.keys] (default: PLAYTUBE_SIGN_KID, [sign] kid, else the default key)'
            cand --key-file 'Read the default key from this file (one trailing newline is ignored)'
            cand --qualities 'With --asset: the qualities to list (comma-separated, e.g. 360p,720p)'
            cand --root 'With --asset: an assets root to read the asset''s qualities (and which files exist) from'
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
        &'playtube;help'= {
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand sign 'Make signed, expiring links to delivery routes, or check one'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'playtube;help;generate'= {
        }
        &'playtube;help;sign'= {
        }
        &'playtube;help;help'= {
        }
    ]
    $completions[$command]
}
