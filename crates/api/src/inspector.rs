//! The validation engine behind the domain's `Inspector` port, run on the blocking pool so
//! that a large document holds up no request and no job; so is the reading of a PDF's text
//! for intake drafts, the making of a PDF to show of an invoice, and the UBL form of a CII or
//! PDF original that the Peppol channel sends.

use haven_domain::{
    documents::sending::Inspector,
    peppol::sending::{peppol_ubl, PeppolForms, PeppolUbl},
};
use haven_einvoice::{
    recognition::{extract_text, PdfText, TextError},
    Inspection, ValidateOptions,
};

pub struct BlockingInspector;

impl Inspector for BlockingInspector {
    async fn inspect(&self, bytes: Vec<u8>) -> Inspection {
        let options = ValidateOptions::default();
        match tokio::task::spawn_blocking(move || haven_einvoice::inspect(&bytes, &options)).await {
            Ok(inspection) => inspection,
            // The engine catches its own panics; a cancelled task reads as an unreadable file.
            Err(_) => haven_einvoice::inspect(&[], &ValidateOptions::default()),
        }
    }

    async fn pdf_text(&self, pdf: Vec<u8>) -> Result<PdfText, TextError> {
        tokio::task::spawn_blocking(move || extract_text(&pdf))
            .await
            .unwrap_or(Err(TextError::Unreadable))
    }

    async fn visual_pdf(&self, invoice: Vec<u8>) -> Result<Vec<u8>, String> {
        tokio::task::spawn_blocking(move || match haven_einvoice::embedded_pdf(&invoice) {
            Some(visual) => Ok(visual.bytes),
            None => haven_einvoice::render_pdf(&invoice, haven_einvoice::Lang::Nl)
                .map_err(|e| e.to_string()),
        })
        .await
        .unwrap_or_else(|_| Err("the rendering was cancelled".into()))
    }
}

impl PeppolForms for BlockingInspector {
    async fn peppol_ubl(&self, original: Vec<u8>) -> Result<PeppolUbl, String> {
        tokio::task::spawn_blocking(move || peppol_ubl(&original))
            .await
            .unwrap_or_else(|_| Err("the conversion to UBL was cancelled".into()))
    }
}
