
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
        &'playtube;help'= {
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'playtube;help;generate'= {
        }
        &'playtube;help;help'= {
        }
    ]
    $completions[$command]
}
