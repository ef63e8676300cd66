//! Seals a session into `Set-Cookie` lines with a fresh development key and
//! opens it again from the matching `Cookie` header, printing both.

use sealed_session::{CookieStore, Keyring};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let keyring = match std::env::var("SESSION_KEYS") {
        Ok(config) => Keyring::from_config(&config)?,
        Err(_) => {
            eprintln!("SESSION_KEYS is not set: using a fresh development key");
            Keyring::from_config(&Keyring::generate_entry(Default::default())?)?
        }
    };
    let store = CookieStore::new("session", keyring)?;

    let mut session = store.load(None::<&str>);
    session.insert("user", "alice")?;
    session.add_flash("Welcome back, alice")?;
    let set_cookies = store.save(&mut session)?;
    for line in &set_cookies {
        println!("Set-Cookie: {line}");
    }

    let cookie_header: Vec<&str> = set_cookies
        .iter()
        .filter_map(|l| l.split(';').next())
        .filter(|pair| !pair.ends_with('='))
        .collect();
    let cookie_header = cookie_header.join("; ");
    println!("\nCookie: {cookie_header}");
    let mut opened = store.load(Some(cookie_header.as_str()));
    println!(
        "opened session {}: user = {:?}, flashes = {:?}",
        opened.id(),
        opened.get::<String>("user")?,
        opened.flashes::<String>()?
    );
    Ok(())
}
