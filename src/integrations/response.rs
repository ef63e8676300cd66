//! Response headers from what the sessions emit: `Set-Cookie` lines, the
//! header transport's header, `Cache-Control: private` and `Vary`.

use std::borrow::Cow;

use super::Emit;

/// One header operation on the response.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HeaderOp {
    pub(crate) name: Cow<'static, str>,
    pub(crate) value: String,
    /// Append a field (`Set-Cookie`, `Vary`) rather than replace the header.
    pub(crate) append: bool,
}

/// The headers to add to a response, given the sessions' [`Emit`]s and the
/// response's current `Cache-Control` and `Vary` field values: one
/// `Set-Cookie` per line, the header-transport header, `Cache-Control`
/// made private when anything is set, and `Vary` for each used session
/// unless already covered. The frameworks only convert and apply them.
/// The lines are moved, not copied.
pub(crate) fn response_headers(
    emits: Vec<Emit>,
    cache_control: &[&str],
    vary: &[&str],
) -> Vec<HeaderOp> {
    if emits.is_empty() {
        return Vec::new();
    }
    let lines = emits.iter().map(|e| e.set_cookie.len()).sum::<usize>();
    let mut ops = Vec::with_capacity(lines + emits.len() + 1);
    let mut fields: Vec<String> = Vec::new();
    for emit in emits {
        ops.extend(emit.set_cookie.into_iter().map(|line| HeaderOp {
            name: Cow::Borrowed("set-cookie"),
            value: line,
            append: true,
        }));
        if let Some((name, value)) = emit.header {
            ops.push(HeaderOp {
                name: Cow::Owned(name),
                value,
                append: false,
            });
        }
        if let Some(field) = emit.vary
            && !fields.iter().any(|f| f.eq_ignore_ascii_case(&field))
        {
            fields.push(field);
        }
    }
    if !ops.is_empty() {
        // Several fields are one comma-separated list (RFC 9110 §5.3).
        if let Some(value) = private_cache_control(Some(&cache_control.join(", "))) {
            ops.push(HeaderOp {
                name: Cow::Borrowed("cache-control"),
                value,
                append: false,
            });
        }
    }
    for field in fields {
        if !varies_on(vary.iter().copied(), &field) {
            ops.push(HeaderOp {
                name: Cow::Borrowed("vary"),
                value: field,
                append: true,
            });
        }
    }
    ops
}

/// The `Cache-Control` value a response that sets a session cookie should
/// carry, given the one it has; `None` when it is already private enough.
///
/// A response carrying a session cookie must never be stored by a shared
/// cache (it would hand one user's session to the next): a bare `private` or
/// `no-store` is kept as is; anything else loses `public`, `s-maxage` and any
/// qualified `private="..."`, and gains a bare `private`.
pub(crate) fn private_cache_control(existing: Option<&str>) -> Option<String> {
    let Some(existing) = existing.map(str::trim).filter(|v| !v.is_empty()) else {
        return Some("private".to_owned());
    };
    let directives: Vec<&str> = existing.split(',').map(str::trim).collect();
    // `private="Set-Cookie"` lets a shared cache store the response minus the
    // listed fields (RFC 9111 §5.2.2.7), so only the bare directive keeps a
    // whole response out of shared caches; `no-store` has no argument form.
    if directives
        .iter()
        .any(|d| d.eq_ignore_ascii_case("private") || d.eq_ignore_ascii_case("no-store"))
    {
        return None;
    }
    let name = |d: &str| {
        d.split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    let mut value = String::from("private");
    for d in directives {
        if d.is_empty() || matches!(name(d).as_str(), "public" | "s-maxage" | "private") {
            continue;
        }
        value.push_str(", ");
        value.push_str(d);
    }
    Some(value)
}

/// Whether the `Vary` header values already cover `field`.
pub(crate) fn varies_on<'a>(values: impl IntoIterator<Item = &'a str>, field: &str) -> bool {
    values.into_iter().any(|v| {
        v.split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.eq_ignore_ascii_case(field))
    })
}

#[cfg(test)]
mod tests {
    use super::private_cache_control;

    #[test]
    fn item5_only_a_bare_private_or_no_store_counts() {
        assert_eq!(
            private_cache_control(Some(r#"public, max-age=3600, private="X-Internal""#)).as_deref(),
            Some("private, max-age=3600")
        );
        assert_eq!(
            private_cache_control(Some(r#"private="Set-Cookie", public"#)).as_deref(),
            Some("private")
        );
        assert_eq!(
            private_cache_control(Some("public, no-store=x, max-age=5")).as_deref(),
            Some("private, no-store=x, max-age=5")
        );
        assert_eq!(private_cache_control(Some("public, PRIVATE")), None);
        assert_eq!(private_cache_control(Some(" No-Store , max-age=0")), None);
    }
}
