
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
            cand probe 'Show what a video is made of: container, duration, streams, rotation, frame rate, faststart'
            cand faststart 'Move the MP4 index (moov) in front of the media data so playback starts before the download ends'
            cand renditions 'Encode the quality ladder: one faststart MP4 per rung under ASSETS/<id>/renditions/'
            cand hls 'Package HLS: master playlist, per-rung media and I-frame playlists and segments under ASSETS/<id>/hls/'
            cand prepare 'Prepare a video for the web: meta.json, thumb.jpg, stream.mp4, renditions and HLS, from one decode'
            cand sign 'Make signed, expiring links to delivery routes, or check one'
            cand serve 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats'
            cand stats 'Show a running server''s /stats as a table (or JSON with --json)'
            cand publish 'Upload assets built locally to object storage (s3://bucket/prefix), each with a commit point'
            cand enqueue 'Put videos on the Redis job queue for `playtube worker`s: one job per input'
            cand worker 'Build queued jobs: claim them from Redis, run the prepare build, report each outcome'
            cand jobs 'Show the job queue: queued, running (worker, progress), failed, done and dead-lettered jobs'
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'playtube;probe'= {
            cand --thumbnail 'Also write a JPEG thumbnail of the (single) input to this file'
            cand --thumbnail-dir 'Write a JPEG thumbnail of each input into this directory, as <name>.jpg'
            cand --at 'When to take the thumbnail: seconds (12.5) or a percentage of the duration (10%)'
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
        &'playtube;faststart'= {
            cand -o 'Write the result here (a single input only)'
            cand --output 'Write the result here (a single input only)'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --in-place 'Replace each input with its faststart version (atomically: a temp file renamed over it)'
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
        &'playtube;renditions'= {
            cand -o 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)'
            cand --out 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)'
            cand --id 'Asset id for a single input (default: derived from the file name, stable across runs)'
            cand --qualities 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs'
            cand -j 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS'
            cand --jobs 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS'
            cand --preset 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --force 'Rebuild assets that are already finished (they are skipped otherwise)'
            cand --allow-partial 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)'
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
        &'playtube;hls'= {
            cand -o 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)'
            cand --out 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)'
            cand --id 'Asset id for a single input (default: derived from the file name, stable across runs)'
            cand --qualities 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs'
            cand -j 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS'
            cand --jobs 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS'
            cand --preset 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET'
            cand --segment-duration 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION'
            cand --segment-type 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment'
            cand --audio-languages 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one'
            cand --subtitles 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt'
            cand --storyboard-interval 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --force 'Rebuild assets that are already finished (they are skipped otherwise)'
            cand --allow-partial 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)'
            cand --no-sidecar-subtitles 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)'
            cand --no-storyboard 'Do not draw scrub-preview sprite sheets (hls/storyboard/)'
            cand --from-renditions 'Segment the asset''s existing renditions (ASSETS/<id>/renditions/*.mp4) by stream copy, no re-encode. INPUT may then be the source file or the asset folder'
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
        &'playtube;prepare'= {
            cand -o 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)'
            cand --out 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)'
            cand --id 'Asset id for a single input (default: derived from the file name, stable across runs)'
            cand --qualities 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs'
            cand -j 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS'
            cand --jobs 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS'
            cand --preset 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET'
            cand --segment-duration 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION'
            cand --segment-type 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment'
            cand --audio-languages 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one'
            cand --subtitles 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt'
            cand --storyboard-interval 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --force 'Rebuild assets that are already finished (they are skipped otherwise)'
            cand --allow-partial 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)'
            cand --no-sidecar-subtitles 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)'
            cand --no-storyboard 'Do not draw scrub-preview sprite sheets (hls/storyboard/)'
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
        &'playtube;sign'= {
            cand --asset 'Print every delivery URL of this asset: progressive stream, each quality, HLS master, thumbnail and watch page (with --json: a stream-config object)'
            cand --verify 'Check a signed URL offline and say why it would be refused (exit 1) or until when it works (exit 0)'
            cand --expires 'When the link stops working: a duration (90s, 15m, 1h, 7d, 1h30m) or a Unix time in seconds (1767225600). Default: [sign] expires, else 1h'
            cand --base-url 'Prefix for the printed links, e.g. https://cdn.example.com (default: [sign] base_url, else the bare path)'
            cand --ip 'Bind the link to one client address (IPv4 or IPv6). With --verify: the client address to check'
            cand --kid 'Sign with this named key from [sign.keys] (default: PLAYTUBE_SIGN_KID, [sign] kid, else the default key)'
            cand --key-file 'Read the default key from this file (one trailing newline is ignored)'
            cand --qualities 'With --asset: the qualities to list (comma-separated, e.g. 360p,720p)'
            cand --root 'With --asset: an assets root to read the asset''s qualities (and which files exist) from; a local folder or s3://bucket/prefix (its published current version)'
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
        &'playtube;serve'= {
            cand --root 'The assets root written by the pipeline (<root>/<id>/stream.mp4, hls/, thumb.jpg). Env PLAYTUBE_ROOT; [serve] root'
            cand --addr 'Address to listen on. Env PLAYTUBE_ADDR; [serve] addr. Default 127.0.0.1:8090'
            cand --cache-size 'Memory cache budget for playlists, segments and posters (bytes, or e.g. 512MiB). Env VIDEO_CACHE_SIZE; [serve] cache_size. Default 1GiB'
            cand --cache-enabled 'Turn the memory cache on or off. Env VIDEO_CACHE_ENABLED; [serve] cache_enabled. Default true'
            cand --chunk-size 'Bytes per chunk of an MP4, the unit held in the memory cache (or read per step with the cache off). Env VIDEO_CHUNK_SIZE; [serve] chunk_size. Default 1MiB'
            cand --allowed-origin 'An origin allowed by CORS (repeat, or comma-separate; `*` allows any). Env ALLOWED_ORIGINS; [serve] allowed_origins. Default none (no CORS headers)'
            cand --media-base-url 'Where the watch page loads media from when that is another origin (a CDN, or another `playtube serve` that lists this server''s origin in ALLOWED_ORIGINS), e.g. https://media.example.com. Env PLAYTUBE_MEDIA_BASE_URL; [serve] media_base_url. Default: this server'
            cand --workers 'Runtime threads (1 = single-threaded). Env PLAYTUBE_WORKERS; [serve] workers. Default: CPUs'
            cand --max-connections 'Connections served at once. Env PLAYTUBE_MAX_CONNECTIONS; [serve] max_connections. Default 10000'
            cand --access-log 'Write one access-log line per request. Env PLAYTUBE_ACCESS_LOG; [serve] access_log. Default true'
            cand --log-format 'Log format on stderr. Env PLAYTUBE_LOG_FORMAT; [serve] log_format. Default human'
            cand --require-signatures 'Require signed links (see `playtube sign`) on /stream, /hls, /thumb and /watch. Env PLAYTUBE_REQUIRE_SIGNATURES; [serve] require_signatures. Default: true when a key is configured'
            cand --tls-cert 'Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this PEM certificate chain (leaf first); needs --tls-key. Both files are re-read on SIGHUP. Env PLAYTUBE_TLS_CERT; [serve] tls_cert'
            cand --tls-key 'The PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert. Env PLAYTUBE_TLS_KEY; [serve] tls_key'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --player 'Serve the watch page /watch/{id} (an hls.js player) and its scripts under /player/. On by default. Env PLAYTUBE_PLAYER; [serve] player'
            cand --no-player 'Do not serve the watch page (/watch/{id} and /player/* answer 404)'
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
        &'playtube;publish'= {
            cand --keep-grace 'Keep replaced or unreferenced versions at least this many seconds (default 3600), so players that loaded an old playlist keep working and uploads in progress elsewhere are not touched'
            cand --concurrency 'Uploads in flight at once (default 8). Env PLAYTUBE_STORAGE_CONCURRENCY'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --force 'Publish a new version even when the asset is already published (older versions are deleted after --keep-grace)'
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
        &'playtube;enqueue'= {
            cand -o 'The assets root the workers write to: each input becomes ASSETS/<id>/'
            cand --out 'The assets root the workers write to: each input becomes ASSETS/<id>/'
            cand --id 'Asset id for a single input (default: derived from the file name)'
            cand --qualities 'Only these rungs, comma-separated (e.g. 360p,720p)'
            cand --preset 'x264 preset (ultrafast ... veryslow; default: the worker''s)'
            cand --segment-duration 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION'
            cand --segment-type 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment'
            cand --audio-languages 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one'
            cand --subtitles 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt'
            cand --storyboard-interval 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)'
            cand --queue 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url'
            cand --queue-name 'Prefix of the queue''s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube'
            cand --config 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml'
            cand --color 'When to use colours. NO_COLOR in the environment means never, unless --color=always'
            cand --no-sidecar-subtitles 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)'
            cand --no-storyboard 'Do not draw scrub-preview sprite sheets (hls/storyboard/)'
            cand --force 'Rebuild even if the asset is already finished (and queue a finished job again)'
            cand --allow-partial 'Let the job build from a source that ends before the duration it declares, keeping what could be read; the shortfall is recorded in meta.json and the job''s result. Without it such a job fails'
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
        &'playtube;worker'= {
            cand --queue 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url'
            cand --queue-name 'Prefix of the queue''s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube'
            cand -j 'Jobs built at the same time by this worker (default 1)'
            cand --jobs 'Jobs built at the same time by this worker (default 1)'
            cand --visibility-timeout 'Seconds a claimed job may go without a heartbeat before another worker takes it over. Env PLAYTUBE_VISIBILITY_TIMEOUT; [queue] visibility_timeout. Default 60'
            cand --max-attempts 'Attempts (failures and takeovers) before a job is dead-lettered. Env PLAYTUBE_MAX_ATTEMPTS; [queue] max_attempts. Default 3'
            cand --grace 'Seconds the jobs in hand may run on after SIGTERM before they are handed back. Env PLAYTUBE_GRACE_PERIOD; [queue] grace_period. Default 30'
            cand --webhook 'POST each job''s done (or final failed) event as JSON to this http:// URL. Env PLAYTUBE_WEBHOOK; [queue] webhook'
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
        &'playtube;jobs'= {
            cand --queue 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url'
            cand --queue-name 'Prefix of the queue''s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube'
            cand --limit 'Show at most this many jobs, most recent first'
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
            cand probe 'Show what a video is made of: container, duration, streams, rotation, frame rate, faststart'
            cand faststart 'Move the MP4 index (moov) in front of the media data so playback starts before the download ends'
            cand renditions 'Encode the quality ladder: one faststart MP4 per rung under ASSETS/<id>/renditions/'
            cand hls 'Package HLS: master playlist, per-rung media and I-frame playlists and segments under ASSETS/<id>/hls/'
            cand prepare 'Prepare a video for the web: meta.json, thumb.jpg, stream.mp4, renditions and HLS, from one decode'
            cand sign 'Make signed, expiring links to delivery routes, or check one'
            cand serve 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats'
            cand stats 'Show a running server''s /stats as a table (or JSON with --json)'
            cand publish 'Upload assets built locally to object storage (s3://bucket/prefix), each with a commit point'
            cand enqueue 'Put videos on the Redis job queue for `playtube worker`s: one job per input'
            cand worker 'Build queued jobs: claim them from Redis, run the prepare build, report each outcome'
            cand jobs 'Show the job queue: queued, running (worker, progress), failed, done and dead-lettered jobs'
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'playtube;help;probe'= {
        }
        &'playtube;help;faststart'= {
        }
        &'playtube;help;renditions'= {
        }
        &'playtube;help;hls'= {
        }
        &'playtube;help;prepare'= {
        }
        &'playtube;help;sign'= {
        }
        &'playtube;help;serve'= {
        }
        &'playtube;help;stats'= {
        }
        &'playtube;help;publish'= {
        }
        &'playtube;help;enqueue'= {
        }
        &'playtube;help;worker'= {
        }
        &'playtube;help;jobs'= {
        }
        &'playtube;help;generate'= {
        }
        &'playtube;help;help'= {
        }
    ]
    $completions[$command]
}
