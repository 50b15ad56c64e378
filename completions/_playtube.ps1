
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'playtube' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'playtube'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'playtube' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Show what a video is made of: container, duration, streams, rotation, frame rate, faststart')
            [CompletionResult]::new('faststart', 'faststart', [CompletionResultType]::ParameterValue, 'Move the MP4 index (moov) in front of the media data so playback starts before the download ends')
            [CompletionResult]::new('renditions', 'renditions', [CompletionResultType]::ParameterValue, 'Encode the quality ladder: one faststart MP4 per rung under ASSETS/<id>/renditions/')
            [CompletionResult]::new('hls', 'hls', [CompletionResultType]::ParameterValue, 'Package HLS: master playlist, per-rung media and I-frame playlists and segments under ASSETS/<id>/hls/')
            [CompletionResult]::new('prepare', 'prepare', [CompletionResultType]::ParameterValue, 'Prepare a video for the web: meta.json, thumb.jpg, stream.mp4, renditions and HLS, from one decode')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Make signed, expiring links to delivery routes, or check one')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Show a running server''s /stats as a table (or JSON with --json)')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Upload assets built locally to object storage (s3://bucket/prefix), each with a commit point')
            [CompletionResult]::new('enqueue', 'enqueue', [CompletionResultType]::ParameterValue, 'Put videos on the Redis job queue for `playtube worker`s: one job per input')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Build queued jobs: claim them from Redis, run the prepare build, report each outcome')
            [CompletionResult]::new('jobs', 'jobs', [CompletionResultType]::ParameterValue, 'Show the job queue: queued, running (worker, progress), failed, done and dead-lettered jobs')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (used to refresh completions/ and man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'playtube;probe' {
            [CompletionResult]::new('--thumbnail', '--thumbnail', [CompletionResultType]::ParameterName, 'Also write a JPEG thumbnail of the (single) input to this file')
            [CompletionResult]::new('--thumbnail-dir', '--thumbnail-dir', [CompletionResultType]::ParameterName, 'Write a JPEG thumbnail of each input into this directory, as <name>.jpg')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'When to take the thumbnail: seconds (12.5) or a percentage of the duration (10%)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;faststart' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result here (a single input only)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result here (a single input only)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Replace each input with its faststart version (atomically: a temp file renamed over it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;renditions' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Asset id for a single input (default: derived from the file name, stable across runs)')
            [CompletionResult]::new('--qualities', '--qualities', [CompletionResultType]::ParameterName, 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Rebuild assets that are already finished (they are skipped otherwise)')
            [CompletionResult]::new('--allow-partial', '--allow-partial', [CompletionResultType]::ParameterName, 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;hls' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Asset id for a single input (default: derived from the file name, stable across runs)')
            [CompletionResult]::new('--qualities', '--qualities', [CompletionResultType]::ParameterName, 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET')
            [CompletionResult]::new('--segment-duration', '--segment-duration', [CompletionResultType]::ParameterName, 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION')
            [CompletionResult]::new('--segment-type', '--segment-type', [CompletionResultType]::ParameterName, 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment')
            [CompletionResult]::new('--audio-languages', '--audio-languages', [CompletionResultType]::ParameterName, 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one')
            [CompletionResult]::new('--subtitles', '--subtitles', [CompletionResultType]::ParameterName, 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt')
            [CompletionResult]::new('--storyboard-interval', '--storyboard-interval', [CompletionResultType]::ParameterName, 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Rebuild assets that are already finished (they are skipped otherwise)')
            [CompletionResult]::new('--allow-partial', '--allow-partial', [CompletionResultType]::ParameterName, 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)')
            [CompletionResult]::new('--no-sidecar-subtitles', '--no-sidecar-subtitles', [CompletionResultType]::ParameterName, 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)')
            [CompletionResult]::new('--no-storyboard', '--no-storyboard', [CompletionResultType]::ParameterName, 'Do not draw scrub-preview sprite sheets (hls/storyboard/)')
            [CompletionResult]::new('--from-renditions', '--from-renditions', [CompletionResultType]::ParameterName, 'Segment the asset''s existing renditions (ASSETS/<id>/renditions/*.mp4) by stream copy, no re-encode. INPUT may then be the source file or the asset folder')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;prepare' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The assets root: each input becomes ASSETS/<id>/. An s3://bucket/prefix URL builds each asset in a local temp folder, then publishes it there (see `playtube publish`)')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Asset id for a single input (default: derived from the file name, stable across runs)')
            [CompletionResult]::new('--qualities', '--qualities', [CompletionResultType]::ParameterName, 'Only these rungs, comma-separated (e.g. 360p,720p); names come from [pipeline] rungs')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Inputs processed at the same time (default 2, measured best on 2 cores). Env: PLAYTUBE_JOBS')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'x264 preset (ultrafast ... veryslow; default veryfast). Env: PLAYTUBE_PRESET')
            [CompletionResult]::new('--segment-duration', '--segment-duration', [CompletionResultType]::ParameterName, 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION')
            [CompletionResult]::new('--segment-type', '--segment-type', [CompletionResultType]::ParameterName, 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment')
            [CompletionResult]::new('--audio-languages', '--audio-languages', [CompletionResultType]::ParameterName, 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one')
            [CompletionResult]::new('--subtitles', '--subtitles', [CompletionResultType]::ParameterName, 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt')
            [CompletionResult]::new('--storyboard-interval', '--storyboard-interval', [CompletionResultType]::ParameterName, 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Rebuild assets that are already finished (they are skipped otherwise)')
            [CompletionResult]::new('--allow-partial', '--allow-partial', [CompletionResultType]::ParameterName, 'Build from a source that ends before the duration it declares (damaged or truncated), keeping what could be read; the shortfall is a warning recorded in meta.json and the JSON result as `partial_source`. Without it such a source is an error naming the file (exit 1)')
            [CompletionResult]::new('--no-sidecar-subtitles', '--no-sidecar-subtitles', [CompletionResultType]::ParameterName, 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)')
            [CompletionResult]::new('--no-storyboard', '--no-storyboard', [CompletionResultType]::ParameterName, 'Do not draw scrub-preview sprite sheets (hls/storyboard/)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;sign' {
            [CompletionResult]::new('--asset', '--asset', [CompletionResultType]::ParameterName, 'Print every delivery URL of this asset: progressive stream, each quality, HLS master, thumbnail and watch page (with --json: a stream-config object)')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check a signed URL offline and say why it would be refused (exit 1) or until when it works (exit 0)')
            [CompletionResult]::new('--expires', '--expires', [CompletionResultType]::ParameterName, 'When the link stops working: a duration (90s, 15m, 1h, 7d, 1h30m) or a Unix time in seconds (1767225600). Default: [sign] expires, else 1h')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Prefix for the printed links, e.g. https://cdn.example.com (default: [sign] base_url, else the bare path)')
            [CompletionResult]::new('--ip', '--ip', [CompletionResultType]::ParameterName, 'Bind the link to one client address (IPv4 or IPv6). With --verify: the client address to check')
            [CompletionResult]::new('--kid', '--kid', [CompletionResultType]::ParameterName, 'Sign with this named key from [sign.keys] (default: PLAYTUBE_SIGN_KID, [sign] kid, else the default key)')
            [CompletionResult]::new('--key-file', '--key-file', [CompletionResultType]::ParameterName, 'Read the default key from this file (one trailing newline is ignored)')
            [CompletionResult]::new('--qualities', '--qualities', [CompletionResultType]::ParameterName, 'With --asset: the qualities to list (comma-separated, e.g. 360p,720p)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'With --asset: an assets root to read the asset''s qualities (and which files exist) from; a local folder or s3://bucket/prefix (its published current version)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;serve' {
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'The assets root written by the pipeline (<root>/<id>/stream.mp4, hls/, thumb.jpg). Env PLAYTUBE_ROOT; [serve] root')
            [CompletionResult]::new('--addr', '--addr', [CompletionResultType]::ParameterName, 'Address to listen on. Env PLAYTUBE_ADDR; [serve] addr. Default 127.0.0.1:8090')
            [CompletionResult]::new('--cache-size', '--cache-size', [CompletionResultType]::ParameterName, 'Memory cache budget for playlists, segments and posters (bytes, or e.g. 512MiB). Env VIDEO_CACHE_SIZE; [serve] cache_size. Default 1GiB')
            [CompletionResult]::new('--cache-enabled', '--cache-enabled', [CompletionResultType]::ParameterName, 'Turn the memory cache on or off. Env VIDEO_CACHE_ENABLED; [serve] cache_enabled. Default true')
            [CompletionResult]::new('--chunk-size', '--chunk-size', [CompletionResultType]::ParameterName, 'Bytes per chunk of an MP4, the unit held in the memory cache (or read per step with the cache off). Env VIDEO_CHUNK_SIZE; [serve] chunk_size. Default 1MiB')
            [CompletionResult]::new('--allowed-origin', '--allowed-origin', [CompletionResultType]::ParameterName, 'An origin allowed by CORS (repeat, or comma-separate; `*` allows any). Env ALLOWED_ORIGINS; [serve] allowed_origins. Default none (no CORS headers)')
            [CompletionResult]::new('--media-base-url', '--media-base-url', [CompletionResultType]::ParameterName, 'Where the watch page loads media from when that is another origin (a CDN, or another `playtube serve` that lists this server''s origin in ALLOWED_ORIGINS), e.g. https://media.example.com. Env PLAYTUBE_MEDIA_BASE_URL; [serve] media_base_url. Default: this server')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Runtime threads (1 = single-threaded). Env PLAYTUBE_WORKERS; [serve] workers. Default: CPUs')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Connections served at once. Env PLAYTUBE_MAX_CONNECTIONS; [serve] max_connections. Default 10000')
            [CompletionResult]::new('--access-log', '--access-log', [CompletionResultType]::ParameterName, 'Write one access-log line per request. Env PLAYTUBE_ACCESS_LOG; [serve] access_log. Default true')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on stderr. Env PLAYTUBE_LOG_FORMAT; [serve] log_format. Default human')
            [CompletionResult]::new('--require-signatures', '--require-signatures', [CompletionResultType]::ParameterName, 'Require signed links (see `playtube sign`) on /stream, /hls, /thumb and /watch. Env PLAYTUBE_REQUIRE_SIGNATURES; [serve] require_signatures. Default: true when a key is configured')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with this PEM certificate chain (leaf first); needs --tls-key. Both files are re-read on SIGHUP. Env PLAYTUBE_TLS_CERT; [serve] tls_cert')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert. Env PLAYTUBE_TLS_KEY; [serve] tls_key')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--player', '--player', [CompletionResultType]::ParameterName, 'Serve the watch page /watch/{id} (an hls.js player) and its scripts under /player/. On by default. Env PLAYTUBE_PLAYER; [serve] player')
            [CompletionResult]::new('--no-player', '--no-player', [CompletionResultType]::ParameterName, 'Do not serve the watch page (/watch/{id} and /player/* answer 404)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;stats' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The server''s base URL (http only). Env PLAYTUBE_URL. Default http://127.0.0.1:8090')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Refresh every SECS seconds until interrupted (or until --count snapshots)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'With --watch: stop after this many snapshots')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;publish' {
            [CompletionResult]::new('--keep-grace', '--keep-grace', [CompletionResultType]::ParameterName, 'Keep replaced or unreferenced versions at least this many seconds (default 3600), so players that loaded an old playlist keep working and uploads in progress elsewhere are not touched')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Uploads in flight at once (default 8). Env PLAYTUBE_STORAGE_CONCURRENCY')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Publish a new version even when the asset is already published (older versions are deleted after --keep-grace)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;enqueue' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The assets root the workers write to: each input becomes ASSETS/<id>/')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The assets root the workers write to: each input becomes ASSETS/<id>/')
            [CompletionResult]::new('--id', '--id', [CompletionResultType]::ParameterName, 'Asset id for a single input (default: derived from the file name)')
            [CompletionResult]::new('--qualities', '--qualities', [CompletionResultType]::ParameterName, 'Only these rungs, comma-separated (e.g. 360p,720p)')
            [CompletionResult]::new('--preset', '--preset', [CompletionResultType]::ParameterName, 'x264 preset (ultrafast ... veryslow; default: the worker''s)')
            [CompletionResult]::new('--segment-duration', '--segment-duration', [CompletionResultType]::ParameterName, 'Segment length in seconds (default 6). Env: HLS_SEGMENT_DURATION')
            [CompletionResult]::new('--segment-type', '--segment-type', [CompletionResultType]::ParameterName, 'Segment container: MPEG-TS, or CMAF-style fragmented MP4 with an init segment')
            [CompletionResult]::new('--audio-languages', '--audio-languages', [CompletionResultType]::ParameterName, 'Audio languages to keep, comma-separated (e.g. en,es; default: every audio stream). Two or more become an AUDIO group of the HLS package; the MP4s carry the default one')
            [CompletionResult]::new('--subtitles', '--subtitles', [CompletionResultType]::ParameterName, 'A subtitle file for a language (SubRip or WebVTT), repeatable: --subtitles en=movie.en.srt')
            [CompletionResult]::new('--storyboard-interval', '--storyboard-interval', [CompletionResultType]::ParameterName, 'Seconds between scrub-preview frames (default: chosen from the duration, 1-10 s)')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url')
            [CompletionResult]::new('--queue-name', '--queue-name', [CompletionResultType]::ParameterName, 'Prefix of the queue''s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--no-sidecar-subtitles', '--no-sidecar-subtitles', [CompletionResultType]::ParameterName, 'Ignore <stem>.<lang>.srt|vtt files beside the source (they are used by default)')
            [CompletionResult]::new('--no-storyboard', '--no-storyboard', [CompletionResultType]::ParameterName, 'Do not draw scrub-preview sprite sheets (hls/storyboard/)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Rebuild even if the asset is already finished (and queue a finished job again)')
            [CompletionResult]::new('--allow-partial', '--allow-partial', [CompletionResultType]::ParameterName, 'Let the job build from a source that ends before the duration it declares, keeping what could be read; the shortfall is recorded in meta.json and the job''s result. Without it such a job fails')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;worker' {
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url')
            [CompletionResult]::new('--queue-name', '--queue-name', [CompletionResultType]::ParameterName, 'Prefix of the queue''s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Jobs built at the same time by this worker (default 1)')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Jobs built at the same time by this worker (default 1)')
            [CompletionResult]::new('--visibility-timeout', '--visibility-timeout', [CompletionResultType]::ParameterName, 'Seconds a claimed job may go without a heartbeat before another worker takes it over. Env PLAYTUBE_VISIBILITY_TIMEOUT; [queue] visibility_timeout. Default 60')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Attempts (failures and takeovers) before a job is dead-lettered. Env PLAYTUBE_MAX_ATTEMPTS; [queue] max_attempts. Default 3')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'Seconds the jobs in hand may run on after SIGTERM before they are handed back. Env PLAYTUBE_GRACE_PERIOD; [queue] grace_period. Default 30')
            [CompletionResult]::new('--webhook', '--webhook', [CompletionResultType]::ParameterName, 'POST each job''s done (or final failed) event as JSON to this http:// URL. Env PLAYTUBE_WEBHOOK; [queue] webhook')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;jobs' {
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'The Redis server: redis://HOST:PORT/DB (or unix:///path/to/redis.sock). Env PLAYTUBE_QUEUE; [queue] url')
            [CompletionResult]::new('--queue-name', '--queue-name', [CompletionResultType]::ParameterName, 'Prefix of the queue''s Redis keys (several queues can share one Redis). Env PLAYTUBE_QUEUE_NAME; [queue] name. Default playtube')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most this many jobs, most recent first')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Refresh every SECS seconds until interrupted (or until --count snapshots)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'With --watch: stop after this many snapshots')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;generate' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The project directory whose completions/ and man/ folders are (re)written')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours. NO_COLOR in the environment means never, unless --color=always')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print machine-readable JSON on stdout instead of tables')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but errors; no progress bars')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more (repeat for more detail: -vv shows every ffmpeg command line)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'playtube;help' {
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Show what a video is made of: container, duration, streams, rotation, frame rate, faststart')
            [CompletionResult]::new('faststart', 'faststart', [CompletionResultType]::ParameterValue, 'Move the MP4 index (moov) in front of the media data so playback starts before the download ends')
            [CompletionResult]::new('renditions', 'renditions', [CompletionResultType]::ParameterValue, 'Encode the quality ladder: one faststart MP4 per rung under ASSETS/<id>/renditions/')
            [CompletionResult]::new('hls', 'hls', [CompletionResultType]::ParameterValue, 'Package HLS: master playlist, per-rung media and I-frame playlists and segments under ASSETS/<id>/hls/')
            [CompletionResult]::new('prepare', 'prepare', [CompletionResultType]::ParameterValue, 'Prepare a video for the web: meta.json, thumb.jpg, stream.mp4, renditions and HLS, from one decode')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Make signed, expiring links to delivery routes, or check one')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Show a running server''s /stats as a table (or JSON with --json)')
            [CompletionResult]::new('publish', 'publish', [CompletionResultType]::ParameterValue, 'Upload assets built locally to object storage (s3://bucket/prefix), each with a commit point')
            [CompletionResult]::new('enqueue', 'enqueue', [CompletionResultType]::ParameterValue, 'Put videos on the Redis job queue for `playtube worker`s: one job per input')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Build queued jobs: claim them from Redis, run the prepare build, report each outcome')
            [CompletionResult]::new('jobs', 'jobs', [CompletionResultType]::ParameterValue, 'Show the job queue: queued, running (worker, progress), failed, done and dead-lettered jobs')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (used to refresh completions/ and man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'playtube;help;probe' {
            break
        }
        'playtube;help;faststart' {
            break
        }
        'playtube;help;renditions' {
            break
        }
        'playtube;help;hls' {
            break
        }
        'playtube;help;prepare' {
            break
        }
        'playtube;help;sign' {
            break
        }
        'playtube;help;serve' {
            break
        }
        'playtube;help;stats' {
            break
        }
        'playtube;help;publish' {
            break
        }
        'playtube;help;enqueue' {
            break
        }
        'playtube;help;worker' {
            break
        }
        'playtube;help;jobs' {
            break
        }
        'playtube;help;generate' {
            break
        }
        'playtube;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
