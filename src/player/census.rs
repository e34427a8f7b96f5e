//! Counts the GStreamer elements alive in this process, by type: a tracer of
//! our own on GStreamer's `object-created` and `object-destroyed` hooks
//! (fired from `gst_object_constructed` and `gst_object_finalize`), so it sees
//! every element, those playbin3 makes inside decodebin3 and playsink and
//! those taken out of a bin but still referenced (the leaks), which walking
//! our pipeline cannot. It keeps addresses and type names only and never
//! refs an object, so it cannot keep one alive or race its finalisation.
//!
//! Why not what GStreamer and GLib offer: with the core `leaks` tracer on
//! (1.22) the soak bench crashed within 20 s of zapping ("double free or
//! corruption", a mini object unreffed twice), and GLib's per-type instance
//! counts (`GOBJECT_DEBUG=instance-count`) read 0 on Debian, whose GLib is
//! built without debugging. For benchmarks: every element made pays a lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use glib::subclass::prelude::*;
use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer::subclass::prelude::*;

mod imp {
    use super::*;

    #[derive(Default)]
    pub struct Census {
        /// Element address -> its type's name.
        pub alive: Mutex<HashMap<usize, &'static str>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Census {
        const NAME: &'static str = "HustingsElementCensus";
        type Type = super::ElementCensus;
        type ParentType = gst::Tracer;
    }

    impl ObjectImpl for Census {
        fn constructed(&self) {
            self.parent_constructed();
            self.register_hook(TracerHook::ObjectCreated);
            self.register_hook(TracerHook::ObjectDestroyed);
        }
    }

    impl GstObjectImpl for Census {}

    impl TracerImpl for Census {
        fn object_created(&self, _ts: u64, object: &gst::Object) {
            if object.is::<gst::Element>()
                && let Ok(mut alive) = self.alive.lock()
            {
                alive.insert(object.as_ptr() as usize, object.type_().name());
            }
        }

        fn object_destroyed(&self, _ts: u64, object: std::ptr::NonNull<gst::ffi::GstObject>) {
            if let Ok(mut alive) = self.alive.lock() {
                alive.remove(&(object.as_ptr() as usize));
            }
        }
    }
}

glib::wrapper! {
    /// The census: elements made after it started and not yet finalised.
    pub struct ElementCensus(ObjectSubclass<imp::Census>) @extends gst::Tracer, gst::Object;
}

impl ElementCensus {
    /// Starts counting (GStreamer must be initialised): elements made from
    /// now on are counted until they are finalised. Keep it for as long as
    /// counts are wanted.
    pub fn start() -> ElementCensus {
        glib::Object::new()
    }

    /// Elements alive now, by type name.
    pub fn by_type(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        if let Ok(alive) = self.imp().alive.lock() {
            for name in alive.values() {
                *out.entry((*name).to_string()).or_insert(0) += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn census_counts_elements_until_they_are_finalised() {
        gst::init().unwrap();
        let census = ElementCensus::start();
        let a = gst::ElementFactory::make("valve").build().unwrap();
        let b = gst::ElementFactory::make("valve").build().unwrap();
        // Other tests in this process make elements too: count valves only.
        let pipeline = gst::Pipeline::new();
        pipeline.add(&a).unwrap();
        assert_eq!(census.by_type().get("GstValve"), Some(&2));
        drop((a, b));
        // `a` lives on in the pipeline; `b` is gone.
        assert_eq!(census.by_type().get("GstValve"), Some(&1));
        drop(pipeline);
        assert_eq!(census.by_type().get("GstValve"), None);
    }
}
