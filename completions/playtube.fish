# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_playtube_global_optspecs
    string join \n config= json q/quiet v/verbose color= h/help V/version
end

function __fish_playtube_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_playtube_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_playtube_using_subcommand
    set -l cmd (__fish_playtube_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c playtube -n "__fish_playtube_needs_command" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_needs_command" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_needs_command" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_needs_command" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_needs_command" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_needs_command" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "probe" -d 'Show what a video is made of: container, duration, streams, rotation, frame rate, faststart'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "faststart" -d 'Move the MP4 index (moov) in front of the media data so playback starts before the download ends'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "renditions" -d 'Encode the quality ladder: one faststart MP4 per rung under ASSETS/<id>/renditions/'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "hls" -d 'Package HLS: master playlist, per-rung media and I-frame playlists and segments under ASSETS/<id>/hls/'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "prepare" -d 'Prepare a video for the web: meta.json, thumb.jpg, stream.mp4, renditions and HLS, from one decode'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "sign" -d 'Make signed, expiring links to delivery routes, or check one'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "serve" -d 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "stats" -d 'Show a running server\'s /stats as a table (or JSON with --json)'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "publish" -d 'Upload assets built locally to object storage (s3://bucket/prefix), each with a commit point'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "enqueue" -d 'Put videos on the Redis job queue for `playtube worker`s: one job per input'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "worker" -d 'Build queued jobs: claim them from Redis, run the prepare build, report each outcome'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "jobs" -d 'Show the job queue: queued, running (worker, progress), failed, done and dead-lettered jobs'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "generate" -d 'Write shell completions and man pages (used to refresh completions/ and man/)'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c playtube -n "__fish_playtube_using_subcommand probe" -l thumbnail -d 'Also write a JPEG thumbnail of the (single) input to this file' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand probe" -l thumbnail-dir -d 'Write a JPEG thumbnail of each input into this directory, as <name>.jpg' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand probe" -l at -d 'When to take the thumbnail: seconds (12.5) or a percentage of the duration (10%)' -r
complete -c playtube -n "__fish_playtube_using_subcommand probe" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand probe" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand probe" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand probe" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand probe" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand probe" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -s o -l output -d 'Write the result here (a single input only)' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -l in-place -d 'Replace each input with its faststart version (atomically: a temp file renamed over it)'
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand faststart" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -s o -l out -d 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -l id -d 'Asset id for a single input (default: derived from the file name, stable across runs)' -r
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -l qualities -d 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs' -r
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -s j -l jobs -d 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS' -r
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -l preset -d 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET' -r
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -l force -d 'Rebuild assets that are already finished (they are skipped otherwise)'
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -l allow-partial -d 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)'
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand renditions" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -s o -l out -d 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l id -d 'Asset id for a single input (default: derived from the file name, stable across runs)' -r
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l qualities -d 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs' -r
complete -c playtube -n "__fish_playtube_using_subcommand hls" -s j -l jobs -d 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS' -r
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l preset -d 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET' -r
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l segment-duration -d 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION' -r
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l segment-type -d 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment' -r -f -a "ts\t'MPEG-TS segments (.ts), the widest player support'
fmp4\t'CMAF-style fragmented MP4 segments (.m4s) with an init segment'"
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l audio-languages -d 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one' -r
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l subtitles -d 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt' -r
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l storyboard-interval -d 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)' -r
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l force -d 'Rebuild assets that are already finished (they are skipped otherwise)'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l allow-partial -d 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l no-sidecar-subtitles -d 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l no-storyboard -d 'Do not draw scrub-preview sprite sheets (hls/storyboard/)'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l from-renditions -d 'Segment the asset\'s existing renditions (ASSETS/<id>/renditions/*.mp4) by stream copy, no re-encode. INPUT may then be the source file or the asset folder'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand hls" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -s o -l out -d 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l id -d 'Asset id for a single input (default: derived from the file name, stable across runs)' -r
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l qualities -d 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs' -r
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -s j -l jobs -d 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS' -r
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l preset -d 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET' -r
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l segment-duration -d 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION' -r
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l segment-type -d 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment' -r -f -a "ts\t'MPEG-TS segments (.ts), the widest player support'
fmp4\t'CMAF-style fragmented MP4 segments (.m4s) with an init segment'"
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l audio-languages -d 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one' -r
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l subtitles -d 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt' -r
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l storyboard-interval -d 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)' -r
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l force -d 'Rebuild assets that are already finished (they are skipped otherwise)'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l allow-partial -d 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l no-sidecar-subtitles -d 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l no-storyboard -d 'Do not draw scrub-preview sprite sheets (hls/storyboard/)'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand prepare" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l asset -d 'Print every delivery URL of this asset: progressive stream, each quality, HLS master, thumbnail and watch page (with --json: a stream-config object)' -r
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l verify -d 'Check a signed URL offline and say why it would be refused (exit 1) or until when it works (exit 0)' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l expires -d 'When the link stops working: a duration (90s, 15m, 1h, 7d, 1h30m) or a Unix time in seconds (1767225600). Default: [sign] expires, else 1h' -r
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l base-url -d 'Prefix for the printed links, e.g. https://cdn.example.com (default: [sign] base_url, else the bare path)' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l ip -d 'Bind the link to one client address (IPv4 or IPv6). With --verify: the client address to check' -r
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l kid -d 'Sign with this named key from [sign.keys] (default: PLAYTUBE_SIGN_KID, [sign] kid, else the default key)' -r
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l key-file -d 'Read the default key from this file (one trailing newline is ignored)' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l qualities -d 'With --asset: the qualities to list (comma-separated, e.g. 360p,720p)' -r
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l root -d 'With --asset: an assets root to read the asset\'s qualities (and which files exist) from; a local folder or s3://bucket/prefix (its published current version)' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand sign" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand sign" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand sign" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand sign" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l root -d 'The assets root written by the pipeline (<root>/<id>/stream.mp4, hls/, thumb.jpg). Env PLAYTUBE_ROOT; [serve] root' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l addr -d 'Address to listen on. Env PLAYTUBE_ADDR; [serve] addr. Default 127.0.0.1:8090' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l cache-size -d 'Memory cache budget for playlists, segments and posters (bytes, or e.g. 512MiB). Env VIDEO_CACHE_SIZE; [serve] cache_size. Default 1GiB' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l cache-enabled -d 'Turn the memory cache on or off. Env VIDEO_CACHE_ENABLED; [serve] cache_enabled. Default true' -r -f -a "true\t''
false\t''"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l chunk-size -d 'Bytes per chunk of an MP4, the unit held in the memory cache (or read per step with the cache off). Env VIDEO_CHUNK_SIZE; [serve] chunk_size. Default 1MiB' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l allowed-origin -d 'An origin allowed by CORS (repeat, or comma-separate; `*` allows any). Env ALLOWED_ORIGINS; [serve] allowed_origins. Default none (no CORS headers)' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l media-base-url -d 'Where the watch page loads media from when that is another origin (a CDN, or another `playtube serve` that lists this server\'s origin in ALLOWED_ORIGINS), e.g. https://media.example.com. Env PLAYTUBE_MEDIA_BASE_URL; [serve] media_base_url. Default: this server' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l workers -d 'Runtime threads (1 = single-threaded). Env PLAYTUBE_WORKERS; [serve] workers. Default: CPUs' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l max-connections -d 'Connections served at once. Env PLAYTUBE_MAX_CONNECTIONS; [serve] max_connections. Default 10000' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l access-log -d 'Write one access-log line per request. Env PLAYTUBE_ACCESS_LOG; [serve] access_log. Default true' -r -f -a "true\t''
false\t''"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l log-format -d 'Log format on stderr. Env PLAYTUBE_LOG_FORMAT; [serve] log_format. Default human' -r -f -a "human\t'One readable line per event'
json\t'One JSON object per line'"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l require-signatures -d 'Require signed links (see `playtube sign`) on /stream, /hls, /thumb and /watch. Env PLAYTUBE_REQUIRE_SIGNATURES; [serve] require_signatures. Default: true when a key is configured' -r -f -a "true\t''
false\t''"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l tls-cert -d 'Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this PEM certificate chain (leaf first); needs --tls-key. Both files are re-read on SIGHUP. Env PLAYTUBE_TLS_CERT; [serve] tls_cert' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l tls-key -d 'The PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert. Env PLAYTUBE_TLS_KEY; [serve] tls_key' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l player -d 'Serve the watch page /watch/{id} (an hls.js player) and its scripts under /player/. On by default. Env PLAYTUBE_PLAYER; [serve] player'
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l no-player -d 'Do not serve the watch page (/watch/{id} and /player/* answer 404)'
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand serve" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand serve" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand serve" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand stats" -l url -d 'The server\'s base URL (http only). Env PLAYTUBE_URL. Default http://127.0.0.1:8090' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand stats" -l watch -d 'Refresh every SECS seconds until interrupted (or until --count snapshots)' -r
complete -c playtube -n "__fish_playtube_using_subcommand stats" -l count -d 'With --watch: stop after this many snapshots' -r
complete -c playtube -n "__fish_playtube_using_subcommand stats" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand stats" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand stats" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand stats" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand stats" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand stats" -s h -l help -d 'Print help'
complete -c playtube -n "__fish_playtube_using_subcommand stats" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand publish" -l keep-grace -d 'Keep replaced or unreferenced versions at least this many seconds (default 3600), so players that loaded an old playlist keep working and uploads in progress elsewhere are not touched' -r
complete -c playtube -n "__fish_playtube_using_subcommand publish" -l concurrency -d 'Uploads in flight at once (default 8). Env PLAYTUBE_STORAGE_CONCURRENCY' -r
complete -c playtube -n "__fish_playtube_using_subcommand publish" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand publish" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand publish" -l force -d 'Publish a new version even when the asset is already published (older versions are deleted after --keep-grace)'
complete -c playtube -n "__fish_playtube_using_subcommand publish" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand publish" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand publish" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand publish" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand publish" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -s o -l out -d 'The assets root the workers write to: each input becomes ASSETS/<id>/' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l id -d 'Asset id for a single input (default: derived from the file name)' -r
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l qualities -d 'Only these rungs, comma-separated (e.g. 360p,720p)' -r
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l preset -d 'x264 preset (ultrafast ... veryslow; default: the worker\'s)' -r
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l segment-duration -d 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION' -r
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l segment-type -d 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment' -r -f -a "ts\t'MPEG-TS segments (.ts), the widest player support'
fmp4\t'CMAF-style fragmented MP4 segments (.m4s) with an init segment'"
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l audio-languages -d 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one' -r
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l subtitles -d 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt' -r
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l storyboard-interval -d 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)' -r
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l queue -d 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l queue-name -d 'Prefix of the queue\'s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube' -r
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l no-sidecar-subtitles -d 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l no-storyboard -d 'Do not draw scrub-preview sprite sheets (hls/storyboard/)'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l force -d 'Rebuild even if the asset is already finished (and queue a finished job again)'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l allow-partial -d 'Let the job build from a source that ends before the duration it declares, keeping what could be read; the shortfall is recorded in meta.json and the job\'s result. Without it such a job fails'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand enqueue" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l queue -d 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l queue-name -d 'Prefix of the queue\'s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube' -r
complete -c playtube -n "__fish_playtube_using_subcommand worker" -s j -l jobs -d 'Jobs built at the same time by this worker (default 1)' -r
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l visibility-timeout -d 'Seconds a claimed job may go without a heartbeat before another worker takes it over. Env PLAYTUBE_VISIBILITY_TIMEOUT; [queue] visibility_timeout. Default 60' -r
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l max-attempts -d 'Attempts (failures and takeovers) before a job is dead-lettered. Env PLAYTUBE_MAX_ATTEMPTS; [queue] max_attempts. Default 3' -r
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l grace -d 'Seconds the jobs in hand may run on after SIGTERM before they are handed back. Env PLAYTUBE_GRACE_PERIOD; [queue] grace_period. Default 30' -r
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l webhook -d 'POST each job\'s done (or final failed) event as JSON to this http:// URL. Env PLAYTUBE_WEBHOOK; [queue] webhook' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand worker" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand worker" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand worker" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand worker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c playtube -n "__fish_playtube_using_subcommand worker" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -l queue -d 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -l queue-name -d 'Prefix of the queue\'s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube' -r
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -l limit -d 'Show at most this many jobs, most recent first' -r
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -l watch -d 'Refresh every SECS seconds until interrupted (or until --count snapshots)' -r
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -l count -d 'With --watch: stop after this many snapshots' -r
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -s h -l help -d 'Print help'
complete -c playtube -n "__fish_playtube_using_subcommand jobs" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand generate" -l out -d 'The project directory whose completions/ and man/ folders are (re)written' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand generate" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand generate" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
complete -c playtube -n "__fish_playtube_using_subcommand generate" -l json -d 'Print machine-readable JSON on stdout instead of tables'
complete -c playtube -n "__fish_playtube_using_subcommand generate" -s q -l quiet -d 'Print nothing but errors; no progress bars'
complete -c playtube -n "__fish_playtube_using_subcommand generate" -s v -l verbose -d 'Say more (repeat for more detail: -vv shows every ffmpeg command line)'
complete -c playtube -n "__fish_playtube_using_subcommand generate" -s h -l help -d 'Print help'
complete -c playtube -n "__fish_playtube_using_subcommand generate" -s V -l version -d 'Print version'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "probe" -d 'Show what a video is made of: container, duration, streams, rotation, frame rate, faststart'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "faststart" -d 'Move the MP4 index (moov) in front of the media data so playback starts before the download ends'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "renditions" -d 'Encode the quality ladder: one faststart MP4 per rung under ASSETS/<id>/renditions/'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "hls" -d 'Package HLS: master playlist, per-rung media and I-frame playlists and segments under ASSETS/<id>/hls/'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "prepare" -d 'Prepare a video for the web: meta.json, thumb.jpg, stream.mp4, renditions and HLS, from one decode'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "sign" -d 'Make signed, expiring links to delivery routes, or check one'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "serve" -d 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "stats" -d 'Show a running server\'s /stats as a table (or JSON with --json)'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "publish" -d 'Upload assets built locally to object storage (s3://bucket/prefix), each with a commit point'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "enqueue" -d 'Put videos on the Redis job queue for `playtube worker`s: one job per input'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "worker" -d 'Build queued jobs: claim them from Redis, run the prepare build, report each outcome'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "jobs" -d 'Show the job queue: queued, running (worker, progress), failed, done and dead-lettered jobs'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "generate" -d 'Write shell completions and man pages (used to refresh completions/ and man/)'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart renditions hls prepare sign serve stats publish enqueue worker jobs generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
