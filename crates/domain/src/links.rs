//! Links into the web app that emails carry.

/// Where people reach the web app; emails link there.
#[derive(Debug, Clone)]
pub struct Links {
    /// Base URL without a trailing slash.
    public_url: String,
}

impl Links {
    #[must_use]
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// An absolute link to a page of the web app, optionally carrying a single-use token.
    #[must_use]
    pub fn to(&self, path: &str, token: Option<&str>) -> String {
        match token {
            Some(token) => format!("{}{path}?token={token}", self.public_url),
            None => format!("{}{path}", self.public_url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_join_the_base_path_and_token() {
        let links = Links::new("https://haven.example/");
        assert_eq!(links.to("/login", None), "https://haven.example/login");
        assert_eq!(
            links.to("/invitation", Some("abc")),
            "https://haven.example/invitation?token=abc"
        );
    }
}
