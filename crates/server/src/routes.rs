//! A router that remembers its paths, so tests can walk every route (the authorization matrix
//! fails on a route it has no entry for). Methods are not recorded: axum answers 405 with an
//! `Allow` header for a method a path lacks, which tells a test the rest.

use axum::routing::MethodRouter;
use axum::Router;

pub struct Routes<S> {
    router: Router<S>,
    paths: Vec<String>,
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            paths: Vec::new(),
        }
    }

    pub fn route(mut self, path: &str, methods: MethodRouter<S>) -> Self {
        self.router = self.router.route(path, methods);
        self.paths.push(path.to_string());
        self
    }

    /// Adds every route of `other`, at the same paths.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.paths.extend(other.paths);
        self
    }

    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    pub fn into_router(self) -> Router<S> {
        self.router
    }
}
