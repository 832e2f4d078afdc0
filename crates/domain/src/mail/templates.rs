//! The texts of every message in Dutch and English, as plain text and HTML.

use super::{HookAttachmentNote, Language, MailTemplate, OutgoingMail, RejectedFile};
use crate::hooks::records::Topic;
use crate::intake::records::IntakeReason;

/// Renders a template for one recipient.
#[must_use]
pub fn render(to: &str, template: &MailTemplate, language: Language) -> OutgoingMail {
    let (subject, paragraphs, link) = content(template, language);
    let mut text_body = paragraphs.join("\n\n");
    let mut html_body = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape_html(p)))
        .collect::<Vec<_>>()
        .join("\n");
    if let Some((label, url)) = link {
        text_body.push_str(&format!("\n\n{url}\n"));
        html_body.push_str(&format!(
            "\n<p><a href=\"{}\">{}</a></p>",
            escape_html(&url),
            escape_html(&label)
        ));
    }
    OutgoingMail {
        to: to.to_owned(),
        subject,
        text_body,
        html_body: format!(
            "<!doctype html><html lang=\"{}\"><body>\n{html_body}\n</body></html>\n",
            language.code()
        ),
    }
}

type Content = (String, Vec<String>, Option<(String, String)>);

fn content(template: &MailTemplate, language: Language) -> Content {
    use Language::{En, Nl};
    use MailTemplate as T;
    match (template, language) {
        (
            T::HookEvent {
                topic,
                event_id,
                party_id,
                document_id,
                document_number,
                created_on,
                details,
                attachment,
            },
            language,
        ) => hook_event(
            &HookEventText {
                topic: *topic,
                event_id: *event_id,
                party_id: party_id.as_deref(),
                document_id: *document_id,
                document_number: document_number.as_deref(),
                created_on,
                details: details.as_deref(),
                attachment,
            },
            language,
        ),
        (T::VerifyRegistration { link, valid_hours }, En) => (
            "Confirm your Haven registration".into(),
            vec![
                "Welcome to Haven.".into(),
                format!("Confirm your email address to create your environment. The link is valid for {valid_hours} hours and works once."),
            ],
            Some(("Confirm my email address".into(), link.clone())),
        ),
        (T::VerifyRegistration { link, valid_hours }, Nl) => (
            "Bevestig je registratie bij Haven".into(),
            vec![
                "Welkom bij Haven.".into(),
                format!("Bevestig je e-mailadres om je omgeving aan te maken. De link is {valid_hours} uur geldig en werkt één keer."),
            ],
            Some(("Mijn e-mailadres bevestigen".into(), link.clone())),
        ),
        (T::AlreadyRegistered { login_link, reset_link }, En) => (
            "You already have a Haven account".into(),
            vec![
                "Someone tried to register with this email address, which already has an account. If that was you, log in instead; if you forgot your password, reset it.".into(),
                format!("Log in: {login_link}"),
                "If it was not you, you can ignore this message.".into(),
            ],
            Some(("Reset my password".into(), reset_link.clone())),
        ),
        (T::AlreadyRegistered { login_link, reset_link }, Nl) => (
            "Je hebt al een account bij Haven".into(),
            vec![
                "Iemand probeerde zich te registreren met dit e-mailadres, dat al een account heeft. Was jij dat, log dan in; ben je je wachtwoord vergeten, stel het dan opnieuw in.".into(),
                format!("Inloggen: {login_link}"),
                "Was jij het niet, dan kun je dit bericht negeren.".into(),
            ],
            Some(("Mijn wachtwoord opnieuw instellen".into(), reset_link.clone())),
        ),
        (T::Invitation { inviter_name, environment_name, link, valid_hours }, En) => (
            format!("{inviter_name} invites you to {environment_name} on Haven"),
            vec![
                format!("{inviter_name} invited you to join the environment {environment_name} on Haven, the e-invoicing platform."),
                format!("Accept the invitation to choose your name and password. The link is valid for {valid_hours} hours."),
            ],
            Some(("Accept the invitation".into(), link.clone())),
        ),
        (T::Invitation { inviter_name, environment_name, link, valid_hours }, Nl) => (
            format!("{inviter_name} nodigt je uit voor {environment_name} op Haven"),
            vec![
                format!("{inviter_name} heeft je uitgenodigd voor de omgeving {environment_name} op Haven, het e-factuurplatform."),
                format!("Accepteer de uitnodiging om je naam en wachtwoord te kiezen. De link is {valid_hours} uur geldig."),
            ],
            Some(("Uitnodiging accepteren".into(), link.clone())),
        ),
        (T::SetPassword { environment_name, link, valid_hours }, En) => (
            format!("Your Haven account in {environment_name}"),
            vec![
                format!("An administrator created an account for you in the environment {environment_name} on Haven."),
                format!("Choose your password to start. The link is valid for {valid_hours} hours."),
            ],
            Some(("Choose my password".into(), link.clone())),
        ),
        (T::SetPassword { environment_name, link, valid_hours }, Nl) => (
            format!("Je Haven-account in {environment_name}"),
            vec![
                format!("Een beheerder heeft een account voor je aangemaakt in de omgeving {environment_name} op Haven."),
                format!("Kies je wachtwoord om te beginnen. De link is {valid_hours} uur geldig."),
            ],
            Some(("Mijn wachtwoord kiezen".into(), link.clone())),
        ),
        (T::PasswordReset { link, valid_minutes }, En) => (
            "Reset your Haven password".into(),
            vec![
                format!("Use this link to choose a new password. It is valid for {valid_minutes} minutes and works once. All your sessions end when you reset."),
                "If you did not ask for this, you can ignore this message.".into(),
            ],
            Some(("Choose a new password".into(), link.clone())),
        ),
        (T::PasswordReset { link, valid_minutes }, Nl) => (
            "Stel je Haven-wachtwoord opnieuw in".into(),
            vec![
                format!("Kies met deze link een nieuw wachtwoord. De link is {valid_minutes} minuten geldig en werkt één keer. Al je sessies worden dan beëindigd."),
                "Heb je hier niet om gevraagd, dan kun je dit bericht negeren.".into(),
            ],
            Some(("Nieuw wachtwoord kiezen".into(), link.clone())),
        ),
        (T::PasswordChanged, En) => (
            "Your Haven password was changed".into(),
            vec!["The password of your Haven account was just changed. If this was not you, reset your password right away and contact your administrator.".into()],
            None,
        ),
        (T::PasswordChanged, Nl) => (
            "Je Haven-wachtwoord is gewijzigd".into(),
            vec!["Het wachtwoord van je Haven-account is zojuist gewijzigd. Was jij dit niet, stel dan direct een nieuw wachtwoord in en neem contact op met je beheerder.".into()],
            None,
        ),
        (T::VerifyAdditionalEmail { email, link, valid_hours }, En) => (
            "Confirm your additional email address".into(),
            vec![format!("Confirm that {email} belongs to you. Once confirmed you can log in with it and submit invoices from it. The link is valid for {valid_hours} hours.")],
            Some(("Confirm this address".into(), link.clone())),
        ),
        (T::VerifyAdditionalEmail { email, link, valid_hours }, Nl) => (
            "Bevestig je extra e-mailadres".into(),
            vec![format!("Bevestig dat {email} van jou is. Daarna kun je ermee inloggen en er facturen vanaf insturen. De link is {valid_hours} uur geldig.")],
            Some(("Dit adres bevestigen".into(), link.clone())),
        ),
        (T::ActivationCode { organization_name, code, valid_minutes, requested_by }, En) => (
            format!("Activation code for {organization_name} on Haven"),
            vec![
                format!("{requested_by} asked to activate {organization_name} on Haven, the e-invoicing platform, so that it can send and receive e-invoices. We send this code to the address the business register has on file for the company."),
                format!("Activation code: {code}"),
                format!("The code is valid for {valid_minutes} minutes. If you do not know this request, do not share the code; nothing happens without it."),
            ],
            None,
        ),
        (T::ActivationCode { organization_name, code, valid_minutes, requested_by }, Nl) => (
            format!("Activatiecode voor {organization_name} op Haven"),
            vec![
                format!("{requested_by} wil {organization_name} activeren op Haven, het e-factuurplatform, zodat de organisatie e-facturen kan versturen en ontvangen. We sturen deze code naar het adres dat het handelsregister voor het bedrijf heeft."),
                format!("Activatiecode: {code}"),
                format!("De code is {valid_minutes} minuten geldig. Ken je dit verzoek niet, deel de code dan niet; zonder code gebeurt er niets."),
            ],
            None,
        ),
        (T::InvoiceByEmail { seller_name, number, link, valid_days }, En) => (
            format!("Invoice {number} from {seller_name}"),
            vec![
                format!("{seller_name} sent you invoice {number} through Haven, the e-invoicing platform."),
                format!("Open it with the link below to view it and download it as an e-invoice (XML) or PDF. The link is private and valid for {valid_days} days; no account is needed."),
            ],
            Some(("View the invoice".into(), link.clone())),
        ),
        (T::InvoiceByEmail { seller_name, number, link, valid_days }, Nl) => (
            format!("Factuur {number} van {seller_name}"),
            vec![
                format!("{seller_name} heeft je factuur {number} gestuurd via Haven, het e-factuurplatform."),
                format!("Open de factuur met de link hieronder om haar te bekijken en te downloaden als e-factuur (XML) of pdf. De link is persoonlijk en {valid_days} dagen geldig; je hebt geen account nodig."),
            ],
            Some(("Factuur bekijken".into(), link.clone())),
        ),
        (T::IntakeRejected { organization_name, address, subject, reason, files }, language) => {
            intake_rejected(organization_name, address, subject, *reason, files, language)
        }
        (T::TrustedSenderInvitation { organization_name, sender, purchase_address, sales_address, link, valid_days }, En) => (
            format!("{organization_name} accepts invoices from {sender} by email"),
            vec![
                format!("{organization_name} added {sender} as a trusted sender on Haven, the e-invoicing platform. Once you confirm, invoices mailed from it are processed:"),
                format!("Purchase invoices of {organization_name} (into its inbox): {purchase_address}"),
                format!("Sales invoices of {organization_name} (sent on to the buyer): {sales_address}"),
                format!("Attach one invoice per file: UBL or CII XML, or a PDF with an embedded e-invoice (Factur-X, ZUGFeRD). The link is valid for {valid_days} days and works once."),
            ],
            Some(("Confirm".into(), link.clone())),
        ),
        (T::TrustedSenderInvitation { organization_name, sender, purchase_address, sales_address, link, valid_days }, Nl) => (
            format!("{organization_name} ontvangt facturen van {sender} per e-mail"),
            vec![
                format!("{organization_name} heeft {sender} als vertrouwde afzender toegevoegd op Haven, het e-factuurplatform. Na je bevestiging worden facturen die daarvandaan gemaild worden verwerkt:"),
                format!("Inkoopfacturen van {organization_name} (naar de inbox): {purchase_address}"),
                format!("Verkoopfacturen van {organization_name} (doorgestuurd naar de koper): {sales_address}"),
                format!("Voeg één factuur per bestand toe: UBL- of CII-XML, of een pdf met een ingebedde e-factuur (Factur-X, ZUGFeRD). De link is {valid_days} dagen geldig en werkt één keer."),
            ],
            Some(("Bevestigen".into(), link.clone())),
        ),
        (T::PartnerRequest { requester_name, environment_name, client_name, software, kvk_number, link, valid_days }, En) => (
            format!("{environment_name} asks for authorisation on Haven"),
            vec![
                format!("Dear {client_name},"),
                format!("{requester_name} of {environment_name} asks for your authorisation to work for your organization with KvK number {kvk_number} on Haven, the e-invoicing platform, for the software package {software}."),
                format!("Open the link to see the request and accept or decline it. If you have no Haven account yet, you register first. The link is valid for {valid_days} days."),
                "If you do not know this sender, decline or ignore this message: nothing changes until you accept.".into(),
            ],
            Some(("View the request".into(), link.clone())),
        ),
        (T::PartnerRequest { requester_name, environment_name, client_name, software, kvk_number, link, valid_days }, Nl) => (
            format!("{environment_name} vraagt je om een machtiging op Haven"),
            vec![
                format!("Beste {client_name},"),
                format!("{requester_name} van {environment_name} vraagt je om een machtiging om voor je organisatie met KvK-nummer {kvk_number} te werken op Haven, het e-factuurplatform, voor het softwarepakket {software}."),
                format!("Open de link om het verzoek te bekijken en het te accepteren of af te wijzen. Heb je nog geen account bij Haven, dan registreer je je eerst. De link is {valid_days} dagen geldig."),
                "Ken je deze afzender niet, wijs het verzoek dan af of negeer dit bericht: er verandert niets tot je accepteert.".into(),
            ],
            Some(("Verzoek bekijken".into(), link.clone())),
        ),
        (T::TwoFactorChanged { enabled }, En) => (
            "Two-factor authentication changed".into(),
            vec![if *enabled {
                "Two-factor authentication is now on for your Haven account.".into()
            } else {
                "Two-factor authentication is now off for your Haven account. If this was not you, reset your password right away.".into()
            }],
            None,
        ),
        (T::TwoFactorChanged { enabled }, Nl) => (
            "Tweestapsverificatie gewijzigd".into(),
            vec![if *enabled {
                "Tweestapsverificatie staat nu aan voor je Haven-account.".into()
            } else {
                "Tweestapsverificatie staat nu uit voor je Haven-account. Was jij dit niet, stel dan direct een nieuw wachtwoord in.".into()
            }],
            None,
        ),
    }
}

/// The sentence that says what happened, as a mail hook's subject and first line.
#[must_use]
pub fn hook_event_sentence(topic: Topic, number: Option<&str>, language: Language) -> String {
    let (doc, the_doc) = match (number, language) {
        (Some(n), Language::En) => (format!("Document {n}"), format!("document {n}")),
        (None, Language::En) => ("A document".to_owned(), "a document".to_owned()),
        (Some(n), Language::Nl) => (format!("Document {n}"), format!("document {n}")),
        (None, Language::Nl) => ("Een document".to_owned(), "een document".to_owned()),
    };
    match (topic, language) {
        (Topic::InvoiceReceived, Language::En) => format!("{doc} was received."),
        (Topic::InvoiceReceived, Language::Nl) => format!("{doc} is ontvangen."),
        (Topic::InvoiceReceivedError, Language::En) => format!("{doc} could not be received."),
        (Topic::InvoiceReceivedError, Language::Nl) => format!("{doc} kon niet worden ontvangen."),
        (Topic::InvoiceSent, Language::En) => format!("{doc} was delivered."),
        (Topic::InvoiceSent, Language::Nl) => format!("{doc} is afgeleverd."),
        (Topic::InvoiceSentRetry, Language::En) => {
            format!("Delivering {the_doc} failed; it is tried again.")
        }
        (Topic::InvoiceSentRetry, Language::Nl) => {
            format!("Het afleveren van {the_doc} is mislukt; het wordt opnieuw geprobeerd.")
        }
        (Topic::InvoiceSentError, Language::En) => format!("{doc} could not be delivered."),
        (Topic::InvoiceSentError, Language::Nl) => format!("{doc} kon niet worden afgeleverd."),
        (Topic::InvoiceResponseReceived, Language::En) => {
            format!("The buyer answered {the_doc}.")
        }
        (Topic::InvoiceResponseReceived, Language::Nl) => {
            format!("De koper heeft op {the_doc} gereageerd.")
        }
        (Topic::HookSentRetry, Language::En) => {
            "A webhook delivery failed; it is tried again.".into()
        }
        (Topic::HookSentRetry, Language::Nl) => {
            "Een webhook-aflevering is mislukt; ze wordt opnieuw geprobeerd.".into()
        }
        (Topic::HookSentError, Language::En) => "A webhook delivery failed for good.".into(),
        (Topic::HookSentError, Language::Nl) => {
            "Een webhook-aflevering is definitief mislukt.".into()
        }
        (Topic::Ping, Language::En) => "A test event: this mail hook works.".into(),
        (Topic::Ping, Language::Nl) => "Een testgebeurtenis: deze mailhook werkt.".into(),
    }
}

struct HookEventText<'a> {
    topic: Topic,
    event_id: uuid::Uuid,
    party_id: Option<&'a str>,
    document_id: Option<uuid::Uuid>,
    document_number: Option<&'a str>,
    created_on: &'a str,
    details: Option<&'a str>,
    attachment: &'a HookAttachmentNote,
}

fn hook_event(event: &HookEventText<'_>, language: Language) -> Content {
    let sentence = hook_event_sentence(event.topic, event.document_number, language);
    let en = language == Language::En;
    let mut facts = vec![
        format!(
            "{}: {}",
            if en { "Topic" } else { "Onderwerp" },
            event.topic.as_str()
        ),
        format!(
            "{}: {}",
            if en { "Event id" } else { "Gebeurtenis-id" },
            event.event_id
        ),
        format!(
            "{}: {}",
            if en { "Created on" } else { "Aangemaakt op" },
            event.created_on
        ),
    ];
    if let Some(party) = event.party_id {
        facts.push(format!("{}: {party}", if en { "Party" } else { "Partij" }));
    }
    if let Some(id) = event.document_id {
        facts.push(format!(
            "{}: {id}",
            if en { "Document id" } else { "Document-id" }
        ));
    }
    let mut paragraphs = vec![sentence.clone(), facts.join("\n")];
    let note = match (event.attachment, language) {
        (HookAttachmentNote::NoDocument, _) => None,
        (HookAttachmentNote::Original { file_name }, Language::En) => {
            Some(format!("The document is attached as {file_name}."))
        }
        (HookAttachmentNote::Original { file_name }, Language::Nl) => {
            Some(format!("Het document zit in de bijlage: {file_name}."))
        }
        (HookAttachmentNote::Converted { file_name, syntax }, Language::En) => Some(format!(
            "The document is attached converted to {syntax} as {file_name}."
        )),
        (HookAttachmentNote::Converted { file_name, syntax }, Language::Nl) => Some(format!(
            "Het document zit omgezet naar {syntax} in de bijlage: {file_name}."
        )),
        (
            HookAttachmentNote::NotConverted {
                file_name,
                syntax,
                reason,
            },
            Language::En,
        ) => Some(format!(
            "The document could not be converted to {syntax}, so the original is attached as {file_name}. Reason: {reason}"
        )),
        (
            HookAttachmentNote::NotConverted {
                file_name,
                syntax,
                reason,
            },
            Language::Nl,
        ) => Some(format!(
            "Het document kon niet naar {syntax} worden omgezet; daarom zit het origineel in de bijlage: {file_name}. Reden: {reason}"
        )),
        (HookAttachmentNote::Unavailable, Language::En) => Some(
            "The document itself is no longer kept (retention), so nothing is attached.".into(),
        ),
        (HookAttachmentNote::Unavailable, Language::Nl) => Some(
            "Het document zelf wordt niet meer bewaard (bewaartermijn); er zit daarom geen bijlage bij.".into(),
        ),
    };
    paragraphs.extend(note);
    if let Some(details) = event.details {
        paragraphs.push(format!("Details: {details}"));
    }
    paragraphs.push(if en {
        "You get this message because a mail hook of a Haven environment sends its events to this address. A message can come more than once: the event id (also in the X-Haven-Event-Id header) stays the same, so deduplicate by it. The environment's administrators can change or switch off the hook on its Webhooks page.".into()
    } else {
        "Je krijgt dit bericht omdat een mailhook van een Haven-omgeving zijn gebeurtenissen naar dit adres stuurt. Een bericht kan vaker dan eens komen: het gebeurtenis-id (ook in de header X-Haven-Event-Id) blijft gelijk, dus ontdubbel daarop. De beheerders van de omgeving kunnen de hook wijzigen of uitzetten op de pagina Webhooks.".into()
    });
    let subject = format!(
        "[Haven] {}: {}",
        event.topic.as_str(),
        sentence.trim_end_matches('.')
    );
    (subject, paragraphs, None)
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// What an intake reason means, for a person.
#[must_use]
pub fn intake_reason_text(reason: IntakeReason, language: Language) -> &'static str {
    use IntakeReason as R;
    use Language::{En, Nl};
    match (reason, language) {
        (R::UntrustedSender, En) => "The sender is not a trusted sender of this organization. Ask its administrator to add your address or domain.",
        (R::UntrustedSender, Nl) => "De afzender is geen vertrouwde afzender van deze organisatie. Vraag de beheerder om je adres of domein toe te voegen.",
        (R::AlreadyProcessed, En) => "This file was processed before.",
        (R::AlreadyProcessed, Nl) => "Dit bestand is al eerder verwerkt.",
        (R::Unreadable, En) => "The file cannot be read; it is damaged or not what its type says.",
        (R::Unreadable, Nl) => "Het bestand is onleesbaar: beschadigd of niet wat het type zegt.",
        (R::NotAnInvoice, En) => "The file is not an invoice or credit note.",
        (R::NotAnInvoice, Nl) => "Het bestand is geen factuur of creditnota.",
        (R::EncryptedPdf, En) => "The PDF is encrypted or protected; send it without a password.",
        (R::EncryptedPdf, Nl) => "De pdf is versleuteld of beveiligd; stuur hem zonder wachtwoord.",
        (R::ValidationFailed, En) => "The invoice breaks rules of the e-invoicing standard (EN 16931, Peppol BIS, NLCIUS). Correct it in your software and send it again:",
        (R::ValidationFailed, Nl) => "De factuur voldoet niet aan de regels van de e-factuurstandaard (EN 16931, Peppol BIS, NLCIUS). Corrigeer haar in je software en stuur haar opnieuw:",
        (R::SignedPdf, En) => "The PDF is signed and holds no structured e-invoice; an invoice made from it would lose the signature. Send the UBL or CII XML, or the PDF unsigned.",
        (R::SignedPdf, Nl) => "De pdf is ondertekend en bevat geen gestructureerde e-factuur; een factuur die ervan gemaakt wordt, verliest de handtekening. Stuur de UBL- of CII-XML, of de pdf zonder handtekening.",
        (R::RecognitionUnavailable, En) => "The file holds no structured e-invoice and no text, and the scan could not be read here (see the detail). Send the UBL or CII XML, a Factur-X PDF, or a PDF with text.",
        (R::RecognitionUnavailable, Nl) => "Het bestand bevat geen gestructureerde e-factuur en geen tekst, en de scan kon hier niet gelezen worden (zie de toelichting). Stuur de UBL- of CII-XML, een Factur-X-pdf of een pdf met tekst.",
        (R::NotAllowed, En) => "The organization may not send this invoice:",
        (R::NotAllowed, Nl) => "De organisatie mag deze factuur niet versturen:",
        (R::ReceivingOff, En) => "Receiving is switched off for this organization; its administrator can switch it on.",
        (R::ReceivingOff, Nl) => "Ontvangen staat uit voor deze organisatie; de beheerder kan het aanzetten.",
        (R::TooLarge, En) => "The file is too large.",
        (R::TooLarge, Nl) => "Het bestand is te groot.",
        (R::TooManyInvoices, En) => "The message holds more invoices than one message may; send them in several messages.",
        (R::TooManyInvoices, Nl) => "Het bericht bevat meer facturen dan één bericht mag bevatten; verdeel ze over meerdere berichten.",
        (R::NoInvoice, En) => "The message has no invoice attached (XML, PDF, JPG or PNG).",
        (R::NoInvoice, Nl) => "Er zit geen factuur bij het bericht (XML, pdf, jpg of png).",
        (R::LoopProtection, En) => "Mail from the platform itself or automatic replies are not processed.",
        (R::LoopProtection, Nl) => "Mail van het platform zelf en automatische antwoorden worden niet verwerkt.",
        (R::SmallImage, En) => "An image this small is taken for a logo or signature.",
        (R::SmallImage, Nl) => "Een zo kleine afbeelding wordt gezien als logo of handtekening.",
        (R::NotACandidate, En) => "This type of file cannot hold an invoice.",
        (R::NotACandidate, Nl) => "Dit type bestand kan geen factuur bevatten.",
        (R::VisualOfXml, En) => "The PDF beside the XML invoice; the XML was processed.",
        (R::VisualOfXml, Nl) => "De pdf naast de XML-factuur; de XML is verwerkt.",
        (R::KeptAsDraft, En) => "Kept as a draft, as the organization prefers; it is sent once someone there completes it.",
        (R::KeptAsDraft, Nl) => "Als concept bewaard, zoals de organisatie wil; het wordt verstuurd zodra iemand daar het afrondt.",
        (R::SenderNotAuthenticated, En) => "The sender's domain could not be authenticated (SPF, DKIM and DMARC do not pass for it), so the address may be forged. Send from your mail server with SPF or DKIM set up for the domain.",
        (R::SenderNotAuthenticated, Nl) => "Het domein van de afzender kon niet worden geauthenticeerd (SPF, DKIM en DMARC slagen er niet voor), dus het adres kan vervalst zijn. Verstuur via je eigen mailserver met SPF of DKIM voor het domein.",
    }
}

fn intake_rejected(
    organization_name: &str,
    address: &str,
    subject: &str,
    reason: Option<IntakeReason>,
    files: &[RejectedFile],
    language: Language,
) -> Content {
    let (title, intro, file_label) = match language {
        Language::En => (
            format!("Not processed: {subject}"),
            format!("Your message \"{subject}\" to {address} ({organization_name}) was not processed, or not all of it."),
            "File",
        ),
        Language::Nl => (
            format!("Niet verwerkt: {subject}"),
            format!("Je bericht \"{subject}\" aan {address} ({organization_name}) is niet of niet helemaal verwerkt."),
            "Bestand",
        ),
    };
    let mut paragraphs = vec![intro];
    if let Some(reason) = reason {
        paragraphs.push(intake_reason_text(reason, language).to_owned());
    }
    for file in files {
        let mut line = format!(
            "{file_label} {}: {}",
            file.name,
            intake_reason_text(file.reason, language)
        );
        if let Some(detail) = &file.detail {
            line.push('\n');
            line.push_str(detail);
        }
        paragraphs.push(line);
    }
    (title, paragraphs, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_the_link_in_text_and_html_and_a_localised_subject() {
        let template = MailTemplate::VerifyRegistration {
            link: "https://haven.example/verify?token=abc".into(),
            valid_hours: 24,
        };

        let en = render("a@example.com", &template, Language::En);
        let nl = render("a@example.com", &template, Language::Nl);

        assert!(en
            .text_body
            .contains("https://haven.example/verify?token=abc"));
        assert!(en
            .html_body
            .contains("href=\"https://haven.example/verify?token=abc\""));
        assert_ne!(en.subject, nl.subject);
        assert!(nl.html_body.contains("lang=\"nl\""));
    }

    #[test]
    fn names_are_escaped_in_html() {
        let template = MailTemplate::Invitation {
            inviter_name: "<script>".into(),
            environment_name: "A & B".into(),
            link: "https://x".into(),
            valid_hours: 72,
        };

        let mail = render("a@example.com", &template, Language::En);

        assert!(!mail.html_body.contains("<script>"));
        assert!(mail.html_body.contains("A &amp; B"));
    }
}
