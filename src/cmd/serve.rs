//! `playtube serve` with its resolved settings: set up logging, build the runtime, bind the address and
//! run `server::run` until SIGTERM or Ctrl-C; with TLS, re-read the certificate files on SIGHUP.
//! Orchestration only; the server itself lives in `server/`.

use anyhow::Context;

use crate::cli::LogFormat;
use crate::config::serve::ServeSettings;
use crate::config::Settings;
use crate::exit::{Code, UsageError};

/// Serve with settings already resolved (flags > environment > playtube.toml > defaults).
pub fn run(settings: &Settings, serve: ServeSettings) -> anyhow::Result<Code> {
    if serve.server.origin.is_none() && !serve.server.root.is_dir() {
        return Err(UsageError::with_hint(
            format!("assets root {} is not a directory", serve.server.root.display()),
            "pass the folder the pipeline writes to with --root DIR (or PLAYTUBE_ROOT)",
        )
        .into());
    }
    init_logging(settings, serve.log_format);
    let runtime = if serve.workers == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(serve.workers).enable_all().build()
    }
    .context("starting the async runtime")?;

    let root = match &serve.server.origin {
        Some(origin) => origin.store.url().to_string(),
        None => serve.server.root.display().to_string(),
    };
    let addr = serve.addr;
    // Say whether signed links are required (a warning when everything is served openly).
    let auth_line = (serve.server.auth.enabled(), serve.server.auth.describe());
    let player_on = serve.server.player.enabled;
    let tls = serve.server.tls.clone();
    let scheme = if tls.is_some() { "https" } else { "http" };
    runtime.block_on(async move {
        // Signal handlers first, so a signal sent right after the announcement is never missed.
        let shutdown = shutdown_signal().context("installing SIGTERM/SIGINT handlers")?;
        if let Some(certs) = tls {
            let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .context("installing the SIGHUP handler")?;
            tokio::spawn(reload_on_hangup(hangup, certs));
        }
        let listener = bind(addr).map_err(|e| {
            UsageError::with_hint(
                format!("cannot listen on {addr}: {e}"),
                "pick another address with --addr (or PLAYTUBE_ADDR), e.g. 127.0.0.1:8091",
            )
        })?;
        let local = listener.local_addr()?;
        settings.output.info(format_args!("playtube: serving {root} on {scheme}://{local} (Ctrl-C to stop)"));
        match &auth_line {
            (true, line) => settings.output.info(format_args!("playtube: {line}")),
            (false, line) => settings.output.warn(line),
        }
        if player_on {
            settings.output.info(format_args!("playtube: watch in a browser: {scheme}://{local}/watch/<id>"));
        }
        crate::server::run(listener, serve.server, shutdown).await
    })?;
    Ok(Code::Success)
}

/// Bind with a listen backlog of 4096 (std's 128 drops SYNs when 1000 clients connect at once; the
/// kernel still caps it at net.core.somaxconn).
fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = match addr {
        std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Re-read the certificate and key on every SIGHUP: new handshakes get the new pair, connections
/// already open keep theirs, and a pair that fails to load leaves the old one in place.
async fn reload_on_hangup(mut hangup: tokio::signal::unix::Signal, certs: std::sync::Arc<crate::server::Certificates>) {
    while hangup.recv().await.is_some() {
        match certs.reload() {
            Ok(()) => tracing::info!(cert = %certs.cert_path().display(), "SIGHUP: TLS certificate reloaded"),
            Err(e) => tracing::error!(error = %e, "SIGHUP: TLS certificate not reloaded; keeping the previous one"),
        }
    }
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
