//! The axum application: login with `begin_login` (and the old
//! `regenerate_id` login, for contrast), logout, logout with the id
//! denied, "sign out of all devices", and `CurrentUser`, the extractor
//! that compares the session with the user table.

use axum::Router;
use axum::extract::{FromRef, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use sealed_session::axum::{Session, SessionLayer};

use super::{Backend, Db, Denylist};

impl FromRef<Backend> for Db {
    fn from_ref(backend: &Backend) -> Db {
        backend.db.clone()
    }
}

/// The logged-in user, checked against the user table: README "Sign out
/// of all devices", as an application writes it.
pub struct CurrentUser(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser
where
    Db: FromRef<S>,
{
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, StatusCode> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
        let user: String = session
            .get("user")
            .ok()
            .flatten()
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let signed_out_at = Db::from_ref(state)
            .signed_out_at(&user)
            .await
            .ok_or(StatusCode::UNAUTHORIZED)?;
        if signed_out_at.is_some_and(|at| session.issued_before(at)) {
            session.destroy();
            return Err(StatusCode::UNAUTHORIZED);
        }
        Ok(CurrentUser(user))
    }
}

type Handled<T> = Result<T, (StatusCode, String)>;

fn err(e: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

async fn login(State(db): State<Db>, session: Session, Path(user): Path<String>) -> Handled<()> {
    db.ensure_user(&user).await;
    session.begin_login(&[]);
    session.insert("user", &user).map_err(err)
}

async fn login_regenerate(session: Session, Path(user): Path<String>) -> Handled<()> {
    session.regenerate_id();
    session.insert("user", &user).map_err(err)
}

async fn whoami(session: Session) -> Handled<String> {
    let user: Option<String> = session.get("user").map_err(err)?;
    Ok(format!("user={user:?} error={:?}", session.load_error()))
}

async fn count(session: Session) -> Handled<String> {
    let n: u32 = session.get("count").map_err(err)?.unwrap_or(0);
    session.insert("count", &(n + 1)).map_err(err)?;
    Ok((n + 1).to_string())
}

async fn plant(session: Session) -> Handled<()> {
    session
        .insert("oauth_state", "attacker-state")
        .map_err(err)?;
    session
        .insert("return_to", "https://evil.example/")
        .map_err(err)
}

async fn planted(session: Session) -> Handled<String> {
    let state: Option<String> = session.get("oauth_state").map_err(err)?;
    Ok(format!("{state:?}"))
}

async fn logout(session: Session) -> StatusCode {
    session.destroy();
    StatusCode::NO_CONTENT
}

async fn logout_and_deny(State(denied): State<Denylist>, session: Session) -> StatusCode {
    // The id copies carry: the one destroy returns, not session.id() after.
    let old = session.destroy();
    denied.write().unwrap().insert(old);
    StatusCode::NO_CONTENT
}

async fn sign_out_everywhere(
    CurrentUser(user): CurrentUser,
    State(db): State<Db>,
    session: Session,
) -> StatusCode {
    db.sign_out_everywhere(&user).await;
    session.destroy();
    StatusCode::OK
}

impl FromRef<Backend> for Denylist {
    fn from_ref(backend: &Backend) -> Denylist {
        backend.denied.clone()
    }
}

/// Serves the application on loopback; its base URL.
pub async fn axum_server(backend: Backend) -> String {
    let layer = SessionLayer::new(backend.store.clone());
    let app = Router::new()
        .route("/login/{user}", post(login))
        .route("/login-regenerate/{user}", post(login_regenerate))
        .route("/whoami", get(whoami))
        .route("/id", get(|s: Session| async move { s.id().to_string() }))
        .route(
            "/me",
            get(|CurrentUser(user): CurrentUser| async move { user }),
        )
        .route("/count", get(count))
        .route("/plant", post(plant))
        .route("/planted", get(planted))
        .route("/logout", post(logout))
        .route("/logout-and-deny", post(logout_and_deny))
        .route("/sign-out-everywhere", post(sign_out_everywhere))
        .with_state(backend)
        .layer(layer);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}
