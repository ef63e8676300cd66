//! The application of `respond` served by axum, actix-web and Rocket on
//! loopback (port 0), each stopped when its [`Server`] is dropped.

use std::net::SocketAddr;
use std::sync::mpsc;

use sealed_session::CookieStore;

use super::{Server, respond};

pub fn axum_server(primary: CookieStore, flow: CookieStore) -> Server {
    use axum::http::{HeaderMap, Method, Uri};
    use sealed_session::axum::{SessionLayer, Sessions};

    let layer = SessionLayer::new(primary).with_store(flow).unwrap();
    let app = axum::Router::new()
        .fallback(
            |sessions: Sessions, method: Method, uri: Uri, headers: HeaderMap| async move {
                // `.../echo`: the Cookie header as received (for the
                // browser test that checks the jar's model against Chromium).
                if uri.path().ends_with("/echo") {
                    let cookie = headers.get_all("cookie").iter();
                    let values: Vec<&str> = cookie.map(|v| v.to_str().unwrap()).collect();
                    return values.join("; ");
                }
                respond(&sessions, method == Method::POST, uri.path())
            },
        )
        .layer(layer);
    let (tx, rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
        });
    });
    let addr: SocketAddr = rx.recv().unwrap();
    Server {
        url: format!("http://{addr}"),
        stop: Some(Box::new(move || {
            let _ = stop_tx.send(());
        })),
        thread: Some(thread),
    }
}

pub fn actix_server(primary: CookieStore, flow: CookieStore) -> Server {
    use actix_web::{App, HttpRequest, HttpServer, http::Method, web};
    use sealed_session::actix::{SessionMiddleware, Sessions};

    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let middleware = SessionMiddleware::new(primary).with_store(flow).unwrap();
            let server = HttpServer::new(move || {
                App::new().wrap(middleware.clone()).default_service(web::to(
                    |sessions: Sessions, request: HttpRequest| async move {
                        respond(&sessions, request.method() == Method::POST, request.path())
                    },
                ))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await.unwrap();
        });
    });
    let (addr, handle) = rx.recv().unwrap();
    Server {
        url: format!("http://{addr}"),
        stop: Some(Box::new(move || {
            drop(handle.stop(false));
        })),
        thread: Some(thread),
    }
}

#[rocket::get("/<_path..>")]
fn rocket_get(
    sessions: sealed_session::rocket::Sessions,
    uri: &rocket::http::uri::Origin<'_>,
    _path: std::path::PathBuf,
) -> String {
    respond(&sessions, false, uri.path().as_str())
}

#[rocket::post("/<_path..>")]
fn rocket_post(
    sessions: sealed_session::rocket::Sessions,
    uri: &rocket::http::uri::Origin<'_>,
    _path: std::path::PathBuf,
) -> String {
    respond(&sessions, true, uri.path().as_str())
}

pub fn rocket_server(primary: CookieStore, flow: CookieStore) -> Server {
    use sealed_session::rocket::SessionFairing;

    let (tx, rx) = mpsc::channel();
    let (stop_tx, stop_rx) = mpsc::channel::<rocket::Shutdown>();
    let thread = std::thread::spawn(move || {
        rocket::execute(async move {
            let config = rocket::Config {
                port: 0,
                log_level: rocket::config::LogLevel::Off,
                shutdown: rocket::config::Shutdown {
                    ctrlc: false,
                    ..Default::default()
                },
                ..rocket::Config::debug_default()
            };
            let fairing = SessionFairing::new(primary).with_store(flow).unwrap();
            let rocket = rocket::custom(config)
                .attach(fairing)
                .attach(rocket::fairing::AdHoc::on_liftoff("port", move |rocket| {
                    Box::pin(async move {
                        let config = rocket.config();
                        tx.send(SocketAddr::new(config.address, config.port))
                            .unwrap();
                    })
                }))
                .mount("/", rocket::routes![rocket_get, rocket_post])
                .ignite()
                .await
                .unwrap();
            stop_tx.send(rocket.shutdown()).unwrap();
            let _ = rocket.launch().await;
        });
    });
    let shutdown = stop_rx.recv().unwrap();
    let addr = rx.recv().unwrap();
    Server {
        url: format!("http://{addr}"),
        stop: Some(Box::new(move || shutdown.notify())),
        thread: Some(thread),
    }
}
