
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
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'playtube;help;probe'= {
        }
        &'playtube;help;faststart'= {
        }
        &'playtube;help;generate'= {
        }
        &'playtube;help;help'= {
        }
    ]
    $completions[$command]
}
