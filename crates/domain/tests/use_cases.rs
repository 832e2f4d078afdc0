//! Use cases against in-memory and failing fakes of their ports: the failures a database test
//! cannot force (a store that breaks mid-flow, an unreachable register) and the order of steps
//! (a locked login never reaches the slow password check).

#![allow(clippy::unwrap_used)] // a test fails loudly, which is what it is for

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Mutex,
};

use chrono::{DateTime, Utc};
use haven_domain::paging::PageQuery;
use haven_domain::{
    accounts::{
        profile::SecretSealer,
        records::{
            AuditEvent, AuditQuery, ClientInfo, Environment, NewAuditEvent, RefreshOutcome,
            Session, User,
        },
        sign_in::{self, Credentials, LoginFailure, PasswordChecker},
        store::{
            AttemptReservation, AuditLog, Directory, LoginAttempt, LoginThrottle, NewSession,
            SecondFactor, Sessions, UserAdministration, UserChange,
        },
        users, Actor, Caller, Role, UserStatus,
    },
    mail::{Language, OutgoingMail},
    organizations::{
        registry::{
            BusinessRegistry, RegistryCompany, RegistryError, RegistryQuery, RegistrySearchPage,
        },
        review,
    },
    ConflictCode, DomainError, DomainResult, ExternalService,
};
use uuid::Uuid;

fn user(role: Role) -> User {
    User {
        id: Uuid::new_v4(),
        environment_id: Uuid::new_v4(),
        email: "jan@jansen.nl".into(),
        name: "Jan Jansen".into(),
        password_hash: Some("stored-hash".into()),
        role,
        relationship_manager: false,
        status: UserStatus::Active,
        language: Language::Nl,
        phone: None,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        created_at: Utc::now(),
        last_login_at: None,
    }
}

fn actor(user: &User) -> Actor {
    Actor {
        user_id: user.id,
        environment_id: user.environment_id,
        session_id: Uuid::new_v4(),
        role: user.role,
        relationship_manager: false,
        two_factor_pending: false,
    }
}

fn unexpected() -> DomainError {
    DomainError::Unexpected(anyhow::anyhow!("the store is down"))
}

/// An account store whose answers a test sets, counting what was asked of it.
#[derive(Default)]
struct FakeAccounts {
    throttled: bool,
    reserve_fails: bool,
    known_user: Option<User>,
    change_result: Option<DomainError>,
    audit: Mutex<Vec<haven_domain::accounts::AuditAction>>,
    calls: Mutex<Vec<&'static str>>,
}

impl FakeAccounts {
    fn called(&self, what: &'static str) {
        self.calls.lock().unwrap().push(what);
    }

    fn calls(&self) -> Vec<&'static str> {
        self.calls.lock().unwrap().clone()
    }
}

impl Directory for FakeAccounts {
    async fn email_in_use(&self, _: &str) -> DomainResult<bool> {
        unreachable!("not used here")
    }
    async fn find_user_by_login_email(&self, _: &str) -> DomainResult<Option<User>> {
        self.called("find_user_by_login_email");
        Ok(self.known_user.clone())
    }
    async fn find_user(&self, _: Uuid, _: Uuid) -> DomainResult<Option<User>> {
        unreachable!("not used here")
    }
    async fn list_users(&self, _: Uuid) -> DomainResult<Vec<User>> {
        unreachable!("not used here")
    }
    async fn list_users_page(
        &self,
        _: Uuid,
        _: &haven_domain::paging::NamePage,
    ) -> DomainResult<Vec<User>> {
        unreachable!("not used here")
    }
    async fn find_environment(&self, _: Uuid) -> DomainResult<Option<Environment>> {
        unreachable!("not used here")
    }
    async fn find_environment_for_auto_join(&self, _: &str) -> DomainResult<Option<Environment>> {
        unreachable!("not used here")
    }
}

impl AuditLog for FakeAccounts {
    async fn notify(&self, _: Option<OutgoingMail>, audit: NewAuditEvent) -> DomainResult<()> {
        self.audit.lock().unwrap().push(audit.action);
        Ok(())
    }
    async fn list_audit_events(
        &self,
        _: Option<Uuid>,
        _: AuditQuery,
    ) -> DomainResult<Vec<AuditEvent>> {
        unreachable!("not used here")
    }
}

impl LoginThrottle for FakeAccounts {
    async fn reserve_login_attempt(
        &self,
        keys: &[String],
        _: DateTime<Utc>,
    ) -> DomainResult<LoginAttempt> {
        self.called("reserve_login_attempt");
        if self.reserve_fails {
            return Err(unexpected());
        }
        Ok(if self.throttled {
            LoginAttempt::Throttled {
                retry_after_secs: 30,
            }
        } else {
            LoginAttempt::Reserved(AttemptReservation {
                keys: keys.iter().map(|k| (k.clone(), None)).collect(),
            })
        })
    }
    async fn release_login_attempt(&self, _: &AttemptReservation) -> DomainResult<()> {
        self.called("release_login_attempt");
        Ok(())
    }
    async fn clear_throttle(&self, _: &str) -> DomainResult<()> {
        self.called("clear_throttle");
        Ok(())
    }
}

impl SecondFactor for FakeAccounts {
    async fn store_totp_secret(&self, _: Uuid, _: String) -> DomainResult<()> {
        unreachable!("not used here")
    }
    async fn enable_totp(
        &self,
        _: Uuid,
        _: i64,
        _: Vec<String>,
        _: OutgoingMail,
        _: NewAuditEvent,
    ) -> DomainResult<()> {
        unreachable!("not used here")
    }
    async fn disable_totp(&self, _: Uuid, _: OutgoingMail, _: NewAuditEvent) -> DomainResult<()> {
        unreachable!("not used here")
    }
    async fn accept_totp_step(&self, _: Uuid, _: i64) -> DomainResult<bool> {
        unreachable!("not used here")
    }
    async fn use_recovery_code(&self, _: Uuid, _: &str) -> DomainResult<bool> {
        unreachable!("not used here")
    }
}

impl Sessions for FakeAccounts {
    async fn open_session(
        &self,
        user_id: Uuid,
        session: NewSession,
        audit: NewAuditEvent,
    ) -> DomainResult<Session> {
        self.called("open_session");
        self.audit.lock().unwrap().push(audit.action);
        Ok(Session {
            id: Uuid::new_v4(),
            user_id,
            user_agent: session.user_agent,
            ip: session.ip,
            created_at: Utc::now(),
            last_seen_at: Utc::now(),
            expires_at: session.expires_at,
            revoked_at: None,
        })
    }
    async fn find_session(&self, _: Uuid) -> DomainResult<Option<Session>> {
        unreachable!("not used here")
    }
    async fn touch_session(&self, _: &Session, _: DateTime<Utc>) -> DomainResult<()> {
        unreachable!("not used here")
    }
    async fn rotate_refresh_token(
        &self,
        _: Uuid,
        _: &str,
        _: &str,
        _: DateTime<Utc>,
        _: &ClientInfo,
    ) -> DomainResult<RefreshOutcome> {
        unreachable!("not used here")
    }
    async fn list_sessions(&self, _: Uuid) -> DomainResult<Vec<Session>> {
        unreachable!("not used here")
    }
    async fn revoke_session(&self, _: Uuid, _: Uuid, _: NewAuditEvent) -> DomainResult<()> {
        unreachable!("not used here")
    }
    async fn revoke_all_sessions(
        &self,
        _: Uuid,
        _: Option<Uuid>,
        _: NewAuditEvent,
    ) -> DomainResult<()> {
        unreachable!("not used here")
    }
}

impl UserAdministration for FakeAccounts {
    async fn change_user(
        &self,
        _: Uuid,
        _: Uuid,
        _: UserChange,
        audit: NewAuditEvent,
    ) -> DomainResult<User> {
        self.called("change_user");
        self.audit.lock().unwrap().push(audit.action);
        match &self.change_result {
            Some(DomainError::Conflict { code, message }) => {
                Err(DomainError::conflict(*code, message.clone()))
            }
            Some(_) => Err(unexpected()),
            None => Ok(user(Role::Advanced)),
        }
    }
    async fn set_user_active(
        &self,
        _: Uuid,
        _: Uuid,
        _: bool,
        _: NewAuditEvent,
    ) -> DomainResult<User> {
        unreachable!("not used here")
    }
    async fn remove_user(&self, _: Uuid, _: Uuid, _: NewAuditEvent) -> DomainResult<()> {
        unreachable!("not used here")
    }
}

/// Counts password checks and answers with a fixed verdict.
struct CountingChecker {
    verdict: bool,
    checks: AtomicUsize,
}

impl CountingChecker {
    fn new(verdict: bool) -> Self {
        Self {
            verdict,
            checks: AtomicUsize::new(0),
        }
    }
}

impl PasswordChecker for CountingChecker {
    async fn check(&self, _: String, _: Option<String>) -> DomainResult<bool> {
        self.checks.fetch_add(1, Ordering::SeqCst);
        Ok(self.verdict)
    }
}

struct NoSecrets;

impl SecretSealer for NoSecrets {
    fn seal(&self, _: &str) -> anyhow::Result<String> {
        anyhow::bail!("no sealing in this test")
    }
    fn open(&self, _: &str) -> anyhow::Result<String> {
        anyhow::bail!("no sealing in this test")
    }
}

fn credentials() -> Credentials {
    Credentials {
        email: " Jan@Jansen.nl ".into(),
        password: "a wrong password".into(),
        code: None,
    }
}

#[tokio::test]
async fn a_locked_login_is_refused_before_the_password_is_checked() {
    let accounts = FakeAccounts {
        throttled: true,
        known_user: Some(user(Role::Basic)),
        ..FakeAccounts::default()
    };
    let checker = CountingChecker::new(true);

    let result = sign_in::login(
        &accounts,
        &NoSecrets,
        &checker,
        &ClientInfo::default(),
        credentials(),
    )
    .await;

    assert!(matches!(
        result,
        Err(LoginFailure::Throttled {
            retry_after_secs: 30
        })
    ));
    assert_eq!(checker.checks.load(Ordering::SeqCst), 0);
    assert_eq!(accounts.calls(), vec!["reserve_login_attempt"]);
}

#[tokio::test]
async fn a_throttle_that_cannot_be_reached_fails_the_login_without_checking_anything() {
    let accounts = FakeAccounts {
        reserve_fails: true,
        ..FakeAccounts::default()
    };
    let checker = CountingChecker::new(true);

    let result = sign_in::login(
        &accounts,
        &NoSecrets,
        &checker,
        &ClientInfo::default(),
        credentials(),
    )
    .await;

    assert!(matches!(
        result,
        Err(LoginFailure::Domain(DomainError::Unexpected(_)))
    ));
    assert_eq!(checker.checks.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_wrong_password_keeps_the_attempt_counted_and_is_audited() {
    let accounts = FakeAccounts {
        known_user: Some(user(Role::Basic)),
        ..FakeAccounts::default()
    };
    let checker = CountingChecker::new(false);

    let result = sign_in::login(
        &accounts,
        &NoSecrets,
        &checker,
        &ClientInfo::default(),
        credentials(),
    )
    .await;

    assert!(matches!(result, Err(LoginFailure::InvalidCredentials)));
    assert_eq!(checker.checks.load(Ordering::SeqCst), 1);
    assert!(!accounts.calls().contains(&"release_login_attempt"));
    assert_eq!(
        *accounts.audit.lock().unwrap(),
        vec![haven_domain::accounts::AuditAction::LoginFailed]
    );
}

#[tokio::test]
async fn a_right_password_gives_back_the_attempt_and_opens_a_session() {
    let known = user(Role::Basic);
    let accounts = FakeAccounts {
        known_user: Some(known.clone()),
        ..FakeAccounts::default()
    };

    let signed_in = sign_in::login(
        &accounts,
        &NoSecrets,
        &CountingChecker::new(true),
        &ClientInfo::default(),
        credentials(),
    )
    .await
    .expect("signed in");

    assert_eq!(signed_in.user.id, known.id);
    assert!(!signed_in.refresh_secret.is_empty());
    assert_eq!(
        accounts.calls(),
        vec![
            "reserve_login_attempt",
            "find_user_by_login_email",
            "release_login_attempt",
            "clear_throttle",
            "open_session"
        ]
    );
}

#[tokio::test]
async fn a_basic_user_cannot_change_roles_and_the_store_is_not_asked() {
    let basic = user(Role::Basic);
    let actor = actor(&basic);
    let client = ClientInfo::default();
    let accounts = FakeAccounts::default();

    let result = users::change_user(
        &accounts,
        &Caller::new(&actor, &basic, &client),
        Uuid::new_v4(),
        UserChange {
            role: Some(Role::Administrator),
            relationship_manager: None,
        },
    )
    .await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))));
    assert!(accounts.calls().is_empty());
}

#[tokio::test]
async fn the_stores_refusal_to_lose_the_last_administrator_reaches_the_caller() {
    let admin = user(Role::Administrator);
    let actor = actor(&admin);
    let client = ClientInfo::default();
    let accounts = FakeAccounts {
        change_result: Some(DomainError::conflict(
            ConflictCode::LastAdministrator,
            "last administrator".into(),
        )),
        ..FakeAccounts::default()
    };

    let result = users::change_user(
        &accounts,
        &Caller::new(&actor, &admin, &client),
        admin.id,
        UserChange {
            role: Some(Role::Basic),
            relationship_manager: None,
        },
    )
    .await;

    assert!(matches!(
        result,
        Err(DomainError::Conflict {
            code: ConflictCode::LastAdministrator,
            ..
        })
    ));
    assert_eq!(
        *accounts.audit.lock().unwrap(),
        vec![haven_domain::accounts::AuditAction::UserRoleChanged]
    );
}

/// A register that is down, counting the questions it got.
#[derive(Default)]
struct DownRegister {
    asked: AtomicUsize,
}

impl BusinessRegistry for DownRegister {
    fn shares_contact_email(&self) -> bool {
        true
    }
    async fn search(&self, _: &RegistryQuery) -> Result<RegistrySearchPage, RegistryError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Err(RegistryError::Unavailable("connection refused".into()))
    }
    async fn profile(&self, _: &str) -> Result<RegistryCompany, RegistryError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Err(RegistryError::Unavailable("connection refused".into()))
    }
}

#[tokio::test]
async fn an_unreachable_register_is_reported_as_unavailable_not_as_not_found() {
    let admin = user(Role::Administrator);
    let actor = actor(&admin);
    let client = ClientInfo::default();
    let register = DownRegister::default();
    let caller = Caller::new(&actor, &admin, &client);

    let search = review::search_register(
        &register,
        &caller,
        RegistryQuery {
            name: Some("Tulp".into()),
            ..RegistryQuery::default()
        },
        &PageQuery::default(),
    )
    .await;
    let profile = review::register_profile(&register, &caller, "90000001").await;

    for result in [search.map(|_| ()), profile.map(|_| ())] {
        assert!(matches!(
            result,
            Err(DomainError::Unavailable {
                service: ExternalService::BusinessRegister,
                ..
            })
        ));
    }
    assert_eq!(register.asked.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_empty_register_search_is_refused_without_asking_the_register() {
    let admin = user(Role::Administrator);
    let actor = actor(&admin);
    let client = ClientInfo::default();
    let register = DownRegister::default();

    let result = review::search_register(
        &register,
        &Caller::new(&actor, &admin, &client),
        RegistryQuery {
            name: Some("   ".into()),
            ..RegistryQuery::default()
        },
        &PageQuery::default(),
    )
    .await;

    assert!(matches!(result, Err(DomainError::Validation(fields)) if fields[0].field == "name"));
    assert_eq!(register.asked.load(Ordering::SeqCst), 0);
}
