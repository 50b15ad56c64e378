//! The one child-process wrapper for ffmpeg and ffprobe: explicit argument vectors (never a shell),
//! stdout captured or parsed as `-progress pipe:1` key=value blocks, the stderr tail kept on its own
//! thread for error messages, and Ctrl-C/SIGTERM handled by killing and reaping the child so the caller
//! can clean up and exit 130. It does not decide what arguments to pass; builders elsewhere do.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// How many stderr lines are kept for error messages.
const STDERR_TAIL_LINES: usize = 20;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HANDLER: std::sync::Once = std::sync::Once::new();

/// Install the Ctrl-C/SIGTERM handler (once per process). Children started by this module are then
/// killed and reaped when the user interrupts; the caller sees [`ProcessError::Interrupted`].
pub fn install_interrupt_handler() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    });
}

/// Stop the running children as Ctrl-C would, for a caller that handles signals itself (the queue
/// worker lets its jobs finish for a grace period after SIGTERM, then calls this).
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether Ctrl-C or SIGTERM has been received. Batch loops check it between inputs.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("could not start {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} failed ({status}){}", format_tail(.stderr_tail))]
    Failed { program: String, status: ExitStatus, stderr_tail: String },
    #[error("{program} was stopped")]
    Interrupted {
        program: String,
        #[source]
        source: crate::exit::Interrupted,
    },
    #[error("waiting for {program}: {source}")]
    Wait {
        program: String,
        #[source]
        source: std::io::Error,
    },
}

fn format_tail(tail: &str) -> String {
    if tail.trim().is_empty() {
        String::new()
    } else {
        format!(":\n{}", tail.trim_end())
    }
}

/// Make the child receive SIGKILL when this process dies, whatever kills it (SIGKILL included, which
/// no handler can catch): Linux's parent-death signal, set in the child between fork and exec.
///
/// The signal fires when the *thread* that spawned the child ends, so children must be spawned by a
/// thread that waits for them (as `run_inner` does), never by a short-lived helper thread.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn die_with_parent(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let parent = rustix::process::getpid();
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe calls
    // are allowed. It makes two raw system calls (prctl(PR_SET_PDEATHSIG) and getppid) through rustix,
    // which neither allocate nor take locks, and builds its error from a raw errno (no allocation).
    // `parent` is a plain integer copied into the closure.
    unsafe {
        command.pre_exec(move || {
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))?;
            // The parent may have died between fork and prctl: then no signal will ever come.
            if rustix::process::getppid() != Some(parent) {
                return Err(rustix::io::Errno::SRCH.into());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut std::process::Command) {}

/// The first arguments of an ffmpeg run that writes files: no banner, no reading of stdin, errors
/// only, overwrite.
pub const FFMPEG_QUIET: [&str; 5] = ["-hide_banner", "-nostdin", "-loglevel", "error", "-y"];

/// A command line for one tool: program plus explicit argument vector.
#[derive(Debug, Clone)]
pub struct ToolCommand {
    program: PathBuf,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
}

impl ToolCommand {
    pub fn new(program: impl AsRef<Path>) -> ToolCommand {
        ToolCommand { program: program.as_ref().to_owned(), args: Vec::new(), cwd: None }
    }

    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Run the child in this directory (so relative output paths need no escaping in ffmpeg's tee
    /// and filter syntax).
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    pub fn get_args(&self) -> &[OsString] {
        &self.args
    }

    fn program_name(&self) -> String {
        self.program
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.program.display().to_string())
    }

    /// The command as a copy-pasteable shell line (for -vv and bug reports).
    pub fn display(&self) -> String {
        std::iter::once(self.program.as_os_str())
            .chain(self.args.iter().map(OsString::as_os_str))
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Run to completion and return stdout (ffprobe). Fails with the stderr tail on a non-zero exit.
    pub fn output(&self) -> Result<Vec<u8>, ProcessError> {
        let (tx, rx) = mpsc::channel();
        self.run_inner(
            move |mut stdout| {
                let mut buf = Vec::new();
                let _ = stdout.read_to_end(&mut buf);
                let _ = tx.send(buf);
            },
            &mut || {},
        )?;
        Ok(rx.try_recv().unwrap_or_default())
    }

    /// Run ffmpeg with `-progress pipe:1 -nostats` added, calling `on_progress` for each progress
    /// block (about twice a second, and once at the end).
    pub fn run_with_progress(&self, on_progress: &mut dyn FnMut(&FfmpegProgress)) -> Result<(), ProcessError> {
        let mut with_progress = self.clone();
        let mut args: Vec<OsString> = ["-progress", "pipe:1", "-nostats"].iter().map(OsString::from).collect();
        args.append(&mut with_progress.args);
        with_progress.args = args;
        let (tx, rx) = mpsc::channel();
        let mut pump = || {
            while let Ok(p) = rx.try_recv() {
                on_progress(&p);
            }
        };
        with_progress.run_inner(
            move |stdout| {
                let mut parser = ProgressParser::default();
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if let Some(p) = parser.feed(&line) {
                        if tx.send(p).is_err() {
                            break;
                        }
                    }
                }
            },
            &mut pump,
        )?;
        pump();
        Ok(())
    }

    fn run_inner<F>(&self, on_stdout: F, tick: &mut dyn FnMut()) -> Result<(), ProcessError>
    where
        F: FnOnce(std::process::ChildStdout) + Send + 'static,
    {
        install_interrupt_handler();
        let program = self.program_name();
        if interrupted() {
            return Err(ProcessError::Interrupted { program, source: crate::exit::Interrupted });
        }
        let mut command = std::process::Command::new(&self.program);
        if let Some(dir) = &self.cwd {
            command.current_dir(dir);
        }
        die_with_parent(&mut command);
        let mut child: Child = command
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| ProcessError::Spawn { program: program.clone(), source })?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        // The stdout thread says when the child closes stdout (normally: when it exits), so a short
        // ffprobe run is noticed at once instead of at the next 25 ms poll.
        let (closed_tx, closed_rx) = mpsc::channel::<()>();
        let out_thread = std::thread::spawn(move || {
            on_stdout(stdout);
            let _ = closed_tx.send(());
        });
        let mut stdout_closed = false;
        let err_thread = std::thread::spawn(move || read_tail(stderr, STDERR_TAIL_LINES));

        let status = loop {
            if interrupted() {
                let _ = child.kill();
                let _ = child.wait();
                let _ = out_thread.join();
                let _ = err_thread.join();
                return Err(ProcessError::Interrupted { program, source: crate::exit::Interrupted });
            }
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) => {
                    tick();
                    if stdout_closed {
                        std::thread::sleep(Duration::from_millis(1));
                    } else if !matches!(
                        closed_rx.recv_timeout(Duration::from_millis(25)),
                        Err(RecvTimeoutError::Timeout)
                    ) {
                        stdout_closed = true;
                    }
                }
                Err(source) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ProcessError::Wait { program, source });
                }
            }
        };
        let _ = out_thread.join();
        let stderr_tail = err_thread.join().unwrap_or_default();
        if status.success() {
            Ok(())
        } else if interrupted() {
            Err(ProcessError::Interrupted { program, source: crate::exit::Interrupted })
        } else {
            Err(ProcessError::Failed { program, status, stderr_tail })
        }
    }
}

fn read_tail(stderr: impl Read, keep: usize) -> String {
    let mut tail = VecDeque::with_capacity(keep);
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                if line.is_empty() {
                    continue;
                }
                if tail.len() == keep {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
    }
    tail.into_iter().collect::<Vec<_>>().join("\n")
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:=,+@%".contains(&b)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// One `-progress` block from ffmpeg.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FfmpegProgress {
    /// Media time written so far.
    pub out_time: Duration,
    pub frame: u64,
    pub fps: f64,
    /// Bytes written so far (all outputs).
    pub total_size: u64,
    /// Encoding speed as a multiple of real time (`1.5x`), when ffmpeg knows it.
    pub speed: Option<f64>,
    /// The final block (`progress=end`).
    pub end: bool,
}

/// Incremental parser for ffmpeg's `-progress` key=value lines.
#[derive(Debug, Default)]
pub struct ProgressParser {
    current: FfmpegProgress,
}

impl ProgressParser {
    /// Feed one line; returns a finished block at each `progress=` line.
    pub fn feed(&mut self, line: &str) -> Option<FfmpegProgress> {
        let (key, value) = line.trim().split_once('=')?;
        let value = value.trim();
        match key {
            "frame" => self.current.frame = value.parse().unwrap_or(self.current.frame),
            "fps" => self.current.fps = value.parse().unwrap_or(self.current.fps),
            "total_size" => self.current.total_size = value.parse().unwrap_or(self.current.total_size),
            // out_time_ms is in microseconds too (a long-standing ffmpeg quirk); prefer out_time_us.
            "out_time_us" | "out_time_ms" => {
                if let Ok(us) = value.parse::<i64>() {
                    self.current.out_time = Duration::from_micros(us.max(0) as u64);
                }
            }
            "speed" => {
                self.current.speed = value.trim_end_matches('x').trim().parse().ok().filter(|s: &f64| s.is_finite())
            }
            "progress" => {
                self.current.end = value == "end";
                return Some(self.current.clone());
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_blocks_are_parsed_at_each_progress_line() {
        let mut p = ProgressParser::default();
        let text = "frame=48\nfps=24.00\ntotal_size=1024\nout_time_us=2000000\nout_time_ms=2000000\nspeed=1.98x\nprogress=continue\n\
                    frame=96\nout_time_us=N/A\nspeed=N/A\nprogress=end\n";
        let blocks: Vec<FfmpegProgress> = text.lines().filter_map(|l| p.feed(l)).collect();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].out_time, Duration::from_secs(2));
        assert_eq!(blocks[0].speed, Some(1.98));
        assert_eq!(blocks[0].total_size, 1024);
        assert!(!blocks[0].end);
        assert_eq!(blocks[1].frame, 96);
        assert_eq!(blocks[1].out_time, Duration::from_secs(2), "N/A keeps the last time");
        assert_eq!(blocks[1].speed, None);
        assert!(blocks[1].end);
    }

    #[test]
    fn display_quotes_arguments_with_spaces() {
        let mut cmd = ToolCommand::new("/usr/bin/ffmpeg");
        cmd.args(["-i", "my clip.mp4", "-vf", "scale=640:-2"]);
        assert_eq!(cmd.display(), "/usr/bin/ffmpeg -i 'my clip.mp4' -vf scale=640:-2");
    }

    #[test]
    fn failing_child_reports_status_and_stderr_tail() {
        let mut cmd = ToolCommand::new("/bin/sh");
        cmd.args(["-c", "echo first >&2; echo 'Invalid data found' >&2; exit 3"]);
        let err = cmd.output().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sh failed") && text.contains("Invalid data found"), "{text}");
    }

    #[test]
    fn stdout_is_captured() {
        let mut cmd = ToolCommand::new("/bin/sh");
        cmd.args(["-c", "printf '{\"a\":1}'"]);
        assert_eq!(cmd.output().unwrap(), b"{\"a\":1}");
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let err = ToolCommand::new("/nonexistent/ffmpeg").output().unwrap_err();
        assert!(matches!(err, ProcessError::Spawn { .. }));
    }
}
