//! Digest auth for chosen simulated cameras, anonymous access for the others.
//!
//! gst-rtsp-server only challenges (401) clients that have no token, and a default token would
//! give every client one, so protected cameras would answer 404 instead of asking for a password.
//! This subclass leaves the default token unset and hands the anonymous token out itself, only for
//! requests to cameras that need no login.

use gstreamer::glib;
use gstreamer_rtsp_server as rtsp;

mod imp {
    use std::sync::Mutex;

    use gstreamer::glib;
    use gstreamer::glib::subclass::prelude::*;
    use gstreamer_rtsp_server as rtsp;
    use gstreamer_rtsp_server::subclass::prelude::*;

    #[derive(Default)]
    pub struct SimAuth {
        /// Path prefixes ("/cam/<id>/") of cameras anyone may watch.
        pub open_prefixes: Mutex<Vec<String>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for SimAuth {
        const NAME: &'static str = "VigilSimAuth";
        type Type = super::SimAuth;
        type ParentType = rtsp::RTSPAuth;
    }

    impl ObjectImpl for SimAuth {}

    impl RTSPAuthImpl for SimAuth {
        fn authenticate(&self, ctx: &rtsp::RTSPContext) -> bool {
            let path = ctx.uri().map(|u| u.request_uri().to_string()).unwrap_or_default();
            let open = self.open_prefixes.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|p| path.contains(p.as_str()));
            if open {
                ctx.set_token(super::anonymous_token());
                return true;
            }
            // Protected camera: parse the Authorization header; no valid login leaves no token,
            // which makes the server answer 401 with a digest challenge.
            self.parent_authenticate(ctx)
        }
    }
}

glib::wrapper! {
    pub struct SimAuth(ObjectSubclass<imp::SimAuth>) @extends rtsp::RTSPAuth;
}

pub(super) const ANONYMOUS_ROLE: &str = "anonymous";

pub(super) fn anonymous_token() -> rtsp::RTSPToken {
    rtsp::RTSPToken::builder().field(rtsp::RTSP_TOKEN_MEDIA_FACTORY_ROLE, ANONYMOUS_ROLE).build()
}

impl SimAuth {
    pub fn new(open_camera_ids: &[&str]) -> Self {
        let auth: Self = glib::Object::new();
        use glib::subclass::prelude::ObjectSubclassIsExt;
        *auth.imp().open_prefixes.lock().unwrap_or_else(|e| e.into_inner()) =
            open_camera_ids.iter().map(|id| format!("/cam/{id}/")).collect();
        auth
    }
}
