//! A real nginx for tests, started on 127.0.0.1 with a config the test writes: its own prefix folder,
//! a free port (bind :0, read it, release it, retry on a clash), killed by PID on drop. Fails the test,
//! naming the package, when nginx is not installed.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Nginx {
    child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start nginx with the config `config(prefix_dir, port)` returns.
pub fn start(config: impl Fn(&Path, u16) -> String) -> Nginx {
    let nginx = super::required_tool("nginx", "nginx-light");
    for _attempt in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port)).unwrap();
        let mut child = Command::new(&nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn nginx");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                if log.contains("Address already in use") {
                    break;
                }
                panic!("nginx exited with {status}: {log}");
            }
            if TcpStream::connect(addr).is_ok() {
                return Nginx { child, addr, _dir: dir };
            }
            assert!(Instant::now() < deadline, "nginx did not start listening");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("no free port for nginx after 5 attempts");
}
