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
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart generate help" -f -a "probe" -d 'Show what a video is made of: container, duration, streams, rotation, frame rate, faststart'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart generate help" -f -a "faststart" -d 'Move the MP4 index (moov) in front of the media data so playback starts before the download ends'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart generate help" -f -a "generate" -d 'Write shell completions and man pages (used to refresh completions/ and man/)'
complete -c playtube -n "__fish_playtube_using_subcommand help; and not __fish_seen_subcommand_from probe faststart generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
