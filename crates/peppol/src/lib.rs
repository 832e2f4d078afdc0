//! The Peppol network adapter: identifiers by the Peppol policy, discovery of a participant's
//! SMP through the SML (DNS U-NAPTR), the SMP client that checks the SMP's XML signature, and
//! the two `SmpLocator` adapters (SML/SMP and a static map). See docs/peppol.md.

pub mod c14n;
pub mod config;
pub mod http;
pub mod identifiers;
pub mod locator;
pub mod publisher;
pub mod sml;
pub mod smp;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod xmldsig;
