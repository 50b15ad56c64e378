//! `playtube serve`: resolve the settings, set up logging, build the runtime, bind the address and run
//! `server::run` until SIGTERM or Ctrl-C. Orchestration only; the server itself lives in `server/`.

use anyhow::Context;

use crate::cli::{LogFormat, ServeArgs};
use crate::config::serve::ServeSettings;
use crate::config::Settings;
use crate::exit::{Code, UsageError};

pub fn run(settings: &Settings, args: &ServeArgs) -> anyhow::Result<Code> {
    let serve = ServeSettings::resolve(settings, args)?;
    init_logging(settings, serve.log_format);
    let runtime = if serve.workers == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(serve.workers).enable_all().build()
    }
    .context("starting the async runtime")?;

    let listener = std::net::TcpListener::bind(serve.addr).map_err(|e| {
        UsageError::with_hint(
            format!("cannot listen on {}: {e}", serve.addr),
            "pick another address with --addr (or PLAYTUBE_ADDR), e.g. 127.0.0.1:8091",
        )
    })?;
    listener.set_nonblocking(true).context("making the listener non-blocking")?;
    let local = listener.local_addr()?;
    let root = serve.server.root.clone();
    runtime.block_on(async move {
        // Signal handlers first, so a signal sent right after the announcement is never missed.
        let shutdown = shutdown_signal().context("installing SIGTERM/SIGINT handlers")?;
        let listener = tokio::net::TcpListener::from_std(listener).context("registering the listener")?;
        settings.output.info(format_args!("playtube: serving {} on http://{local} (Ctrl-C to stop)", root.display()));
        crate::server::run(listener, serve.server, shutdown).await
    })?;
    Ok(Code::Success)
}

/// A future that resolves on the first SIGTERM or SIGINT; the handlers are installed when this is called.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("shutdown signal received");
    })
}

/// Logs go to stderr: readable lines or JSON objects. `--quiet` keeps warnings and errors only (the
/// access log is info); `PLAYTUBE_LOG` takes a full filter (e.g. `playtube=debug`).
fn init_logging(settings: &Settings, format: LogFormat) {
    let default = if settings.output.quiet {
        "warn"
    } else if settings.output.verbose > 0 {
        "playtube=debug,info"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_new(settings.env.get("PLAYTUBE_LOG").unwrap_or(default))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.with_ansi(settings.output.color_stderr).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
