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
complete -c playtube -n "__fish_playtube_needs_command" -f -a "serve" -d 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "stats" -d 'Show a running server\'s /stats as a table (or JSON with --json)'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "generate" -d 'Write shell completions and man pages (used to refresh completions/ and man/)'
complete -c playtube -n "__fish_playtube_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l root -d 'The assets root written by the pipeline (<root>/<id>/stream.mp4, hls/, thumb.jpg). Env PLAYTUBE_ROOT; [serve] root' -r -f -a "(__fish_complete_directories)"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l addr -d 'Address to listen on. Env PLAYTUBE_ADDR; [serve] addr. Default 127.0.0.1:8090' -r -f
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l cache-size -d 'Memory cache budget for playlists, segments and posters (bytes, or e.g. 512MiB). Env VIDEO_CACHE_SIZE; [serve] cache_size. Default 1GiB' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l cache-enabled -d 'Turn the memory cache on or off. Env VIDEO_CACHE_ENABLED; [serve] cache_enabled. Default true' -r -f -a "true\t''
false\t''"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l chunk-size -d 'Bytes per chunk of an MP4, the unit held in the memory cache (or read per step with the cache off). Env VIDEO_CHUNK_SIZE; [serve] chunk_size. Default 1MiB' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l allowed-origin -d 'An origin allowed by CORS (repeat, or comma-separate; `*` allows any). Env ALLOWED_ORIGINS; [serve] allowed_origins. Default none (no CORS headers)' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l workers -d 'Runtime threads (1 = single-threaded). Env PLAYTUBE_WORKERS; [serve] workers. Default: CPUs' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l max-connections -d 'Connections served at once. Env PLAYTUBE_MAX_CONNECTIONS; [serve] max_connections. Default 10000' -r
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l access-log -d 'Write one access-log line per request. Env PLAYTUBE_ACCESS_LOG; [serve] access_log. Default true' -r -f -a "true\t''
false\t''"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l log-format -d 'Log format on stderr. Env PLAYTUBE_LOG_FORMAT; [serve] log_format. Default human' -r -f -a "human\t'One readable line per event'
json\t'One JSON object per line'"
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l config -d 'Read settings from this playtube.toml instead of ./playtube.toml or ~/.config/playtube/config.toml' -r -F
complete -c playtube -n "__fish_playtube_using_subcommand serve" -l color -d 'When to use colours. NO_COLOR in the environment means never, unless --color=always' -r -f -a "auto\t''
always\t''
never\t''"
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
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from serve stats generate help" -f -a "serve" -d 'Serve an assets root over HTTP: progressive MP4 with Range, HLS, posters, /health and /stats'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from serve stats generate help" -f -a "stats" -d 'Show a running server\'s /stats as a table (or JSON with --json)'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from serve stats generate help" -f -a "generate" -d 'Write shell completions and man pages (used to refresh completions/ and man/)'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from serve stats generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
