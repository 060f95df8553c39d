//! Webhooks: the events an organization's endpoints subscribe to, which audited change
//! raises which event, the Standard Webhooks signature (`v1`, HMAC-SHA256 over
//! `id.timestamp.body`), the retry schedule, and when a failing endpoint is switched off.
//! Which addresses an endpoint may name is in `webhook/address.rs`.

mod address;

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

pub use address::{WebhookUrl, WebhookUrlError, is_forbidden_ip};

use crate::AuditAction;
use crate::delivery::UnknownName;
use crate::token::SECRET_BYTES;

/// Something an endpoint can subscribe to. The spelling is `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEvent {
    MemberJoined,
    MemberLeft,
    MemberRoleChanged,
    InvitationCreated,
    InvitationAccepted,
    InvitationDeclined,
    InvitationRevoked,
    ProjectCreated,
    ProjectDeleted,
    ApiKeyCreated,
    ApiKeyDeleted,
    OrganizationUpdated,
    OrganizationDeleted,
    PlanChanged,
    UsageThresholdCrossed,
    /// Sent only on request (`sendTestWebhook`), to one endpoint.
    WebhookTest,
}

impl WebhookEvent {
    /// Every event.
    pub const ALL: [WebhookEvent; 16] = [
        WebhookEvent::MemberJoined,
        WebhookEvent::MemberLeft,
        WebhookEvent::MemberRoleChanged,
        WebhookEvent::InvitationCreated,
        WebhookEvent::InvitationAccepted,
        WebhookEvent::InvitationDeclined,
        WebhookEvent::InvitationRevoked,
        WebhookEvent::ProjectCreated,
        WebhookEvent::ProjectDeleted,
        WebhookEvent::ApiKeyCreated,
        WebhookEvent::ApiKeyDeleted,
        WebhookEvent::OrganizationUpdated,
        WebhookEvent::OrganizationDeleted,
        WebhookEvent::PlanChanged,
        WebhookEvent::UsageThresholdCrossed,
        WebhookEvent::WebhookTest,
    ];

    /// The spelling receivers see in `type` and endpoints subscribe with.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::MemberJoined => "member.joined",
            WebhookEvent::MemberLeft => "member.left",
            WebhookEvent::MemberRoleChanged => "member.role_changed",
            WebhookEvent::InvitationCreated => "invitation.created",
            WebhookEvent::InvitationAccepted => "invitation.accepted",
            WebhookEvent::InvitationDeclined => "invitation.declined",
            WebhookEvent::InvitationRevoked => "invitation.revoked",
            WebhookEvent::ProjectCreated => "project.created",
            WebhookEvent::ProjectDeleted => "project.deleted",
            WebhookEvent::ApiKeyCreated => "api_key.created",
            WebhookEvent::ApiKeyDeleted => "api_key.deleted",
            WebhookEvent::OrganizationUpdated => "organization.updated",
            WebhookEvent::OrganizationDeleted => "organization.deleted",
            WebhookEvent::PlanChanged => "plan.changed",
            WebhookEvent::UsageThresholdCrossed => "usage.threshold_crossed",
            WebhookEvent::WebhookTest => "webhook.test",
        }
    }

    /// Parses a spelling.
    ///
    /// # Errors
    /// `UnknownName` for anything not in `ALL`.
    pub fn parse(value: &str) -> Result<WebhookEvent, UnknownName> {
        WebhookEvent::ALL
            .into_iter()
            .find(|event| event.as_str() == value)
            .ok_or_else(|| UnknownName {
                what: "webhook event",
                value: value.to_owned(),
            })
    }

    /// A subscription list: every name known, duplicates dropped, at least one.
    ///
    /// # Errors
    /// `UnknownName` naming the first unknown event (or `""` for an empty list).
    pub fn parse_list<S: AsRef<str>>(names: &[S]) -> Result<Vec<WebhookEvent>, UnknownName> {
        let mut events = names
            .iter()
            .map(|name| WebhookEvent::parse(name.as_ref().trim()))
            .collect::<Result<Vec<_>, _>>()?;
        events.sort_unstable();
        events.dedup();
        if events.is_empty() {
            return Err(UnknownName {
                what: "webhook event",
                value: String::new(),
            });
        }
        Ok(events)
    }

    /// The events an audited change raises (accepting an invitation is both the
    /// invitation's answer and a member joining; removal and leaving are both a member
    /// leaving, told apart by `reason`).
    #[must_use]
    pub fn raised_by(action: AuditAction) -> &'static [WebhookEvent] {
        match action {
            AuditAction::MemberInvited => &[WebhookEvent::InvitationCreated],
            AuditAction::InvitationAccepted => {
                &[WebhookEvent::InvitationAccepted, WebhookEvent::MemberJoined]
            }
            AuditAction::InvitationDeclined => &[WebhookEvent::InvitationDeclined],
            AuditAction::InvitationRevoked => &[WebhookEvent::InvitationRevoked],
            AuditAction::MemberRoleChanged | AuditAction::OwnershipTransferred => {
                &[WebhookEvent::MemberRoleChanged]
            }
            AuditAction::MemberRemoved | AuditAction::MemberLeft => &[WebhookEvent::MemberLeft],
            AuditAction::ProjectCreated => &[WebhookEvent::ProjectCreated],
            AuditAction::ProjectDeleted => &[WebhookEvent::ProjectDeleted],
            AuditAction::ApiKeyCreated => &[WebhookEvent::ApiKeyCreated],
            AuditAction::ApiKeyDeleted => &[WebhookEvent::ApiKeyDeleted],
            AuditAction::OrganizationUpdated | AuditAction::OrganizationAuditRetentionChanged => {
                &[WebhookEvent::OrganizationUpdated]
            }
            AuditAction::OrganizationDeleted => &[WebhookEvent::OrganizationDeleted],
            AuditAction::PlanChanged => &[WebhookEvent::PlanChanged],
            AuditAction::OrganizationCreated
            | AuditAction::UserSignedIn
            | AuditAction::InvitationResent
            | AuditAction::ProjectRenamed
            | AuditAction::ProjectSettingsChanged
            | AuditAction::ApiKeyRenamed
            | AuditAction::ApiKeyRegenerated
            | AuditAction::WebhookEndpointCreated
            | AuditAction::WebhookEndpointUpdated
            | AuditAction::WebhookSecretRotated
            | AuditAction::WebhookEndpointDeleted => &[],
        }
    }
}

impl fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organization's webhook receiver (its secrets are kept apart, in `SigningSecrets`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<WebhookEvent>,
    pub enabled: bool,
    /// Why Roster switched it off (`410 Gone`, days of failures); `None` when an admin did.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; `None` after a success.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// Whether `event` is sent to this endpoint.
    #[must_use]
    pub fn receives(&self, event: WebhookEvent) -> bool {
        self.enabled && self.events.contains(&event)
    }

    /// Whether a failure at `now` ends the endpoint: every attempt has failed for
    /// `DISABLE_AFTER_FAILING`.
    #[must_use]
    pub fn failed_too_long(&self, now: DateTime<Utc>) -> bool {
        self.failing_since
            .is_some_and(|since| now - since >= DISABLE_AFTER_FAILING)
    }
}

/// The secrets an endpoint's requests are signed with: the current one and, for
/// `ROTATION_OVERLAP` after a rotation, the one before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningSecrets {
    pub current: WebhookSecret,
    pub previous: Option<(WebhookSecret, DateTime<Utc>)>,
}

impl SigningSecrets {
    /// The secrets that sign a request sent at `now`, current first.
    #[must_use]
    pub fn in_use(&self, now: DateTime<Utc>) -> Vec<&WebhookSecret> {
        let mut secrets = vec![&self.current];
        if let Some((previous, until)) = &self.previous
            && now < *until
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: chrono::Duration = chrono::Duration::hours(24);

/// An endpoint whose deliveries have all failed for this long is switched off.
pub const DISABLE_AFTER_FAILING: chrono::Duration = chrono::Duration::days(5);

/// Delivery log entries (messages and their attempts) are kept this long.
pub const DELIVERY_RETENTION: chrono::Duration = chrono::Duration::days(30);

/// At most this much of a receiver's response body is kept in the delivery log.
pub const RESPONSE_BODY_LIMIT: usize = 1024;

/// The Standard Webhooks retry schedule: the waits after the 1st, 2nd, ... failed attempt
/// (about 1.5 days in all); after the last the message fails.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 60 * 60),
    Duration::from_secs(5 * 60 * 60),
    Duration::from_secs(10 * 60 * 60),
    Duration::from_secs(10 * 60 * 60),
];

/// The wait before the next attempt after `failed_attempts` failures (1 after the first),
/// stretched by `jitter` in `[0, 1)` times a tenth, so a burst of failures does not
/// return as a burst; `None` once the schedule is spent.
#[must_use]
pub fn retry_after(failed_attempts: u32, jitter: f64) -> Option<Duration> {
    let index = usize::try_from(failed_attempts.checked_sub(1)?).ok()?;
    let base = RETRY_SCHEDULE.get(index)?;
    Some(base.mul_f64(1.0 + jitter.clamp(0.0, 1.0) / 10.0))
}

/// A signing secret: 32 random bytes, shown as `whsec_` + base64. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret([u8; SECRET_BYTES]);

/// A stored secret that does not read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a webhook signing secret")]
pub struct InvalidSecret;

impl WebhookSecret {
    /// A secret from the caller's random bytes.
    #[must_use]
    pub fn from_random(random: [u8; SECRET_BYTES]) -> WebhookSecret {
        WebhookSecret(random)
    }

    /// Reads a secret back from its `whsec_...` text.
    ///
    /// # Errors
    /// `InvalidSecret` when the text is not one.
    pub fn parse(text: &str) -> Result<WebhookSecret, InvalidSecret> {
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or(InvalidSecret)?;
        let bytes = BASE64.decode(encoded).map_err(|_| InvalidSecret)?;
        Ok(WebhookSecret(bytes.try_into().map_err(|_| InvalidSecret)?))
    }

    /// The `whsec_...` text: shown to the admin once, stored for signing.
    #[must_use]
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(self.0))
    }

    /// The `v1,<base64>` signature of one request.
    #[must_use]
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &str) -> String {
        // HMAC accepts a key of any length, so this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

/// The `webhook-signature` header: one signature per secret in use, space separated.
#[must_use]
pub fn signature_header(
    secrets: &[&WebhookSecret],
    message_id: &str,
    timestamp: i64,
    body: &str,
) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(message_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_round_trip_and_unknown_names_are_refused() {
        for event in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(event.as_str()), Ok(event));
        }
        assert!(WebhookEvent::parse("member.exploded").is_err());
        let list =
            WebhookEvent::parse_list(&["project.created", "member.joined", "project.created"]);
        assert_eq!(
            list,
            Ok(vec![
                WebhookEvent::MemberJoined,
                WebhookEvent::ProjectCreated
            ])
        );
        assert!(WebhookEvent::parse_list::<&str>(&[]).is_err());
        assert!(WebhookEvent::parse_list(&["member.joined", "nope"]).is_err());
    }

    #[test]
    fn every_event_but_the_test_and_usage_is_raised_by_some_audited_change() {
        for event in WebhookEvent::ALL {
            let raised = AuditAction::ALL
                .into_iter()
                .any(|action| WebhookEvent::raised_by(action).contains(&event));
            let standalone = matches!(
                event,
                WebhookEvent::WebhookTest | WebhookEvent::UsageThresholdCrossed
            );
            assert_eq!(raised, !standalone, "{event}");
        }
        assert_eq!(
            WebhookEvent::raised_by(AuditAction::MemberRemoved),
            &[WebhookEvent::MemberLeft]
        );
    }

    #[test]
    fn retries_follow_the_standard_schedule_then_stop() {
        assert_eq!(retry_after(0, 0.0), None);
        assert_eq!(retry_after(1, 0.0), Some(Duration::from_secs(5)));
        assert_eq!(retry_after(2, 0.0), Some(Duration::from_secs(300)));
        assert_eq!(retry_after(7, 0.0), Some(Duration::from_secs(36_000)));
        assert_eq!(retry_after(8, 0.0), None);
        let jittered = retry_after(1, 0.99).unwrap_or_default();
        assert!(jittered > Duration::from_secs(5) && jittered < Duration::from_millis(5_500));
        let total: Duration = RETRY_SCHEDULE.iter().sum();
        assert_eq!(total, Duration::from_secs(27 * 3600 + 35 * 60 + 5));
    }

    #[test]
    fn secrets_round_trip_and_sign_each_message_apart() {
        let secret = WebhookSecret::from_random([7; SECRET_BYTES]);
        let text = secret.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(&text), Ok(secret.clone()));
        assert!(WebhookSecret::parse("whsec_short").is_err());
        assert!(WebhookSecret::parse("sk_abc").is_err());
        assert_eq!(format!("{secret:?}"), "WebhookSecret(..)");
        let signature = secret.sign("msg_1", 1_614_265_330, r#"{"test": 2432232314}"#);
        assert!(signature.starts_with("v1,"));
        assert_eq!(signature.len(), 3 + 44);
        assert_ne!(
            signature,
            secret.sign("msg_2", 1_614_265_330, r#"{"test": 2432232314}"#)
        );
        let other = WebhookSecret::from_random([8; SECRET_BYTES]);
        let header = signature_header(&[&secret, &other], "msg_1", 1, "{}");
        assert_eq!(header.split(' ').count(), 2);
    }

    #[test]
    fn a_rotated_out_secret_signs_for_a_day_more() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let secrets = SigningSecrets {
            current: WebhookSecret::from_random([1; SECRET_BYTES]),
            previous: Some((
                WebhookSecret::from_random([2; SECRET_BYTES]),
                now + ROTATION_OVERLAP,
            )),
        };
        assert_eq!(secrets.in_use(now).len(), 2);
        assert_eq!(secrets.in_use(now + ROTATION_OVERLAP).len(), 1);
    }

    #[test]
    fn an_endpoint_failing_for_five_days_is_ended() {
        let now = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(10);
        let mut endpoint = WebhookEndpoint {
            id: Uuid::nil(),
            organization_id: Uuid::nil(),
            url: "https://example.com/".to_owned(),
            description: None,
            events: vec![WebhookEvent::MemberJoined],
            enabled: true,
            disabled_reason: None,
            failing_since: None,
            created_at: now,
        };
        assert!(endpoint.receives(WebhookEvent::MemberJoined));
        assert!(!endpoint.receives(WebhookEvent::MemberLeft));
        assert!(!endpoint.failed_too_long(now));
        endpoint.failing_since = Some(now - chrono::Duration::days(4));
        assert!(!endpoint.failed_too_long(now));
        endpoint.failing_since = Some(now - DISABLE_AFTER_FAILING);
        assert!(endpoint.failed_too_long(now));
        endpoint.enabled = false;
        assert!(!endpoint.receives(WebhookEvent::MemberJoined));
    }
}
