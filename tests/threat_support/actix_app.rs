//! The actix-web application: login with `begin_login`, "sign out of all
//! devices", and `CurrentUser`, the same check as the axum one in a
//! `FromRequest`.

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;

use actix_web::dev::Payload;
use actix_web::{App, FromRequest, HttpRequest, HttpResponse, HttpServer, error, web};
use sealed_session::actix::{Session, SessionMiddleware};

use super::{ActixServer, Backend, Db};

pub struct CurrentUser(pub String);

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = Session::from_request(req, payload).into_inner();
        let db = req.app_data::<web::Data<Db>>().cloned();
        Box::pin(async move {
            let session = session?;
            let db = db.ok_or_else(|| error::ErrorInternalServerError("no Db"))?;
            let unauthorized = || error::ErrorUnauthorized("log in");
            let user: String = session
                .get("user")
                .ok()
                .flatten()
                .ok_or_else(unauthorized)?;
            let signed_out_at = db.signed_out_at(&user).await.ok_or_else(unauthorized)?;
            if signed_out_at.is_some_and(|at| session.issued_before(at)) {
                session.destroy();
                return Err(unauthorized());
            }
            Ok(CurrentUser(user))
        })
    }
}

async fn login(
    db: web::Data<Db>,
    session: Session,
    user: web::Path<String>,
) -> actix_web::Result<HttpResponse> {
    db.ensure_user(&user).await;
    session.begin_login(&[]);
    session
        .insert("user", &*user)
        .map_err(error::ErrorInternalServerError)?;
    Ok(HttpResponse::Ok().finish())
}

async fn me(CurrentUser(user): CurrentUser) -> String {
    user
}

async fn sign_out_everywhere(
    CurrentUser(user): CurrentUser,
    db: web::Data<Db>,
    session: Session,
) -> HttpResponse {
    db.sign_out_everywhere(&user).await;
    session.destroy();
    HttpResponse::Ok().finish()
}

/// Serves the application on loopback in its own actix system thread.
pub fn actix_server(backend: Backend) -> ActixServer {
    let (tx, rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let db = web::Data::new(backend.db.clone());
            let store = backend.store.clone();
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(db.clone())
                    .wrap(SessionMiddleware::new(store.clone()))
                    .route("/login/{user}", web::post().to(login))
                    .route("/me", web::get().to(me))
                    .route("/sign-out-everywhere", web::post().to(sign_out_everywhere))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))?;
            let addr = server.addrs()[0];
            let server = server.run();
            tx.send((addr, server.handle())).unwrap();
            server.await
        })
    });
    let (addr, handle) = rx.recv().unwrap();
    ActixServer {
        url: format!("http://{addr}"),
        handle,
        thread: Some(thread),
    }
}
