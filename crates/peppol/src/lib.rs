//! The Peppol network adapter: identifiers by the Peppol policy, discovery of a participant's
//! SMP through the SML (DNS U-NAPTR), the SMP client that checks the SMP's XML signature,
//! the two `SmpLocator` adapters (SML/SMP and a static map), the SBDH (Business Message
//! Envelope) and the AS4 message layer. See docs/peppol.md.

pub mod as4;
pub mod c14n;
pub mod certificates;
pub mod config;
pub mod directory;
pub mod http;
pub mod identifiers;
pub mod keystore;
pub mod locator;
pub mod publisher;
pub mod revocation;
pub mod rollover;
pub mod sbdh;
pub mod sml;
#[cfg(feature = "test-support")]
pub mod sml_fake;
pub mod sml_manage;
pub mod smp;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod trust;
pub mod xmldsig;
