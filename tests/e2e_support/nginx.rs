//! nginx in front of demo instances, on loopback, as one foreground process
//! with everything (config, pid file, logs, temp paths) in a test directory.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Proc;

/// The nginx binary (Debian installs it in /usr/sbin, which is not always
/// on a user's PATH).
pub fn nginx_binary() -> PathBuf {
    for candidate in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    PathBuf::from("nginx")
}

/// What differs between the tests' proxies.
#[derive(Clone, Debug)]
pub struct NginxOptions {
    /// `worker_connections`: each client takes one, each request in flight
    /// to an upstream one more.
    pub worker_connections: usize,
    /// Idle connections kept open to the upstreams (`keepalive`), 0 for a
    /// new connection per request. Under load, reuse keeps loopback from
    /// running out of ephemeral ports to TIME_WAIT.
    pub upstream_keepalive: usize,
    /// The `proxy_next_upstream` conditions.
    pub next_upstream: &'static str,
}

impl Default for NginxOptions {
    fn default() -> Self {
        NginxOptions {
            worker_connections: 64,
            upstream_keepalive: 0,
            next_upstream: "error timeout http_502",
        }
    }
}

/// Starts nginx on `port`, round-robin over `upstreams`, and waits until it
/// accepts connections.
pub fn start_nginx(dir: &Path, port: u16, upstreams: &[u16], options: &NginxOptions) -> Proc {
    let servers: String = upstreams
        .iter()
        // max_fails=0: an instance that is down for a restart is retried on
        // the next request instead of being skipped for fail_timeout.
        .map(|p| format!("        server 127.0.0.1:{p} max_fails=0;\n"))
        .collect();
    let keepalive = match options.upstream_keepalive {
        0 => String::new(),
        n => format!("        keepalive {n};\n"),
    };
    // Keep-alive to the upstreams needs HTTP/1.1 without `Connection: close`.
    let http11 = if options.upstream_keepalive == 0 {
        ""
    } else {
        "            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n"
    };
    // As root, nginx would switch its workers to `nobody`, who cannot write
    // the temp paths inside our 0700 temp dir.
    let user = if is_root() { "user root;\n" } else { "" };
    let d = dir.display();
    let NginxOptions {
        worker_connections,
        next_upstream,
        ..
    } = options;
    // One process, no master: stopping it by pid (even with SIGKILL when a
    // test fails) leaves no orphaned worker behind.
    let config = format!(
        "{user}master_process off;\n\
         worker_processes 1;\n\
         pid {d}/nginx.pid;\n\
         error_log {d}/error.log info;\n\
         events {{ worker_connections {worker_connections}; }}\n\
         http {{\n\
         \x20   access_log {d}/access.log;\n\
         \x20   keepalive_requests 1000000;\n\
         \x20   client_body_temp_path {d}/client_body;\n\
         \x20   proxy_temp_path {d}/proxy;\n\
         \x20   fastcgi_temp_path {d}/fastcgi;\n\
         \x20   uwsgi_temp_path {d}/uwsgi;\n\
         \x20   scgi_temp_path {d}/scgi;\n\
         \x20   upstream demo {{\n{servers}{keepalive}    }}\n\
         \x20   server {{\n\
         \x20       listen 127.0.0.1:{port};\n\
         \x20       location / {{\n\
         \x20           proxy_pass http://demo;\n\
         {http11}\
         \x20           proxy_next_upstream {next_upstream};\n\
         \x20           proxy_set_header Host $http_host;\n\
         \x20       }}\n\
         \x20   }}\n\
         }}\n"
    );
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config).expect("writing nginx.conf");
    let mut command = Command::new(nginx_binary());
    command
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf)
        .args(["-g", "daemon off;"]);
    let proc = Proc::spawn("nginx", command, dir.join("nginx.stderr"));
    // Ready when it accepts connections (bounded: a start failure ends the
    // process and the attempts run out).
    for _ in 0..400 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return proc;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!(
        "nginx did not start listening on {port}:\n{}\n{}",
        proc.log_text(),
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}
