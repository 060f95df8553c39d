//! The GraphQL requests the bench measures, each with the checks its every response must
//! pass: `data` present, no `errors`, and the expected shape (50 members, 20 organizations,
//! the pending count seeded, ...).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize as _;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use super::seed::{AUDIT_FILTER, PENDING_FOR_OWNER, SMALL_ORGS_JOINED, Seeded};

/// One request and what its response must hold.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) query: String,
    pub(crate) variables: Value,
    pub(crate) checks: Vec<Check>,
}

/// A JSON pointer into the response that must hold an array of `len` items, or `equal` a
/// value, or at least be present and not null.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) pointer: String,
    pub(crate) len: Option<usize>,
    pub(crate) equal: Option<Value>,
}

/// A named scenario: its requests are sent round robin (one, except for the mix).
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) requests: Vec<Request>,
}

fn check_len(pointer: &str, len: usize) -> Check {
    Check {
        pointer: pointer.to_owned(),
        len: Some(len),
        equal: None,
    }
}

fn check_equal(pointer: &str, value: Value) -> Check {
    Check {
        pointer: pointer.to_owned(),
        len: None,
        equal: Some(value),
    }
}

const MEMBERS_PAGE: &str = "query($id: ID) { organization(id: $id) { members(first: 50) { nodes { role user { email } } } } }";
const MEMBERS_AFTER: &str = "query($id: ID, $after: String) { organization(id: $id) { members(first: 50, after: $after) { nodes { role user { email } } } } }";
const MEMBERS_BY_ROLE: &str = "query($id: ID) { organization(id: $id) { members(first: 50, role: ADMIN) { nodes { role user { email } } } } }";
const MEMBERS_NODES: &str = "/data/organization/members/nodes";

/// Every scenario, the mix (all the others round robin) last.
pub(crate) fn all(seeded: &Seeded, members: usize) -> Vec<Scenario> {
    let id = seeded.organization.to_string();
    let single = |name, query: &str, variables, checks| Scenario {
        name,
        requests: vec![Request {
            query: query.to_owned(),
            variables,
            checks,
        }],
    };
    let mut scenarios = vec![
        single(
            "point lookup",
            "query($id: ID) { organization(id: $id) { viewerRole } }",
            json!({ "id": id }),
            vec![check_equal("/data/organization/viewerRole", json!("OWNER"))],
        ),
        single(
            "members page first",
            MEMBERS_PAGE,
            json!({ "id": id }),
            vec![check_len(MEMBERS_NODES, 50)],
        ),
        single(
            "members page at 90%",
            MEMBERS_AFTER,
            json!({ "id": id, "after": seeded.deep_cursor.to_string() }),
            vec![check_len(MEMBERS_NODES, 50.min(members / 10))],
        ),
        single(
            "members by role",
            MEMBERS_BY_ROLE,
            json!({ "id": id }),
            vec![check_len(MEMBERS_NODES, 50.min(seeded.admins))],
        ),
        single(
            "my organizations",
            "{ viewer { organizations(first: 20) { nodes { id name viewerRole } } } }",
            json!({}),
            vec![check_len(
                "/data/viewer/organizations/nodes",
                20.min(SMALL_ORGS_JOINED + 2),
            )],
        ),
        single(
            "pending invitations",
            "{ viewer { pendingInvitationCount } }",
            json!({}),
            vec![check_equal(
                "/data/viewer/pendingInvitationCount",
                json!(PENDING_FOR_OWNER),
            )],
        ),
        single(
            "audit page filtered",
            "query($id: ID, $action: String) { organization(id: $id) { auditLog(first: 50, filter: { action: $action }) { nodes { id action occurredAt } } } }",
            json!({ "id": id, "action": AUDIT_FILTER }),
            vec![check_len("/data/organization/auditLog/nodes", 50)],
        ),
    ];
    let mix = Scenario {
        name: "mix",
        requests: scenarios
            .iter()
            .flat_map(|scenario| scenario.requests.clone())
            .collect(),
    };
    scenarios.push(mix);
    scenarios
}

/// Why `body` (a response's bytes) is not a good answer, if it is not. Each check reads the
/// text once, following its pointer and skipping everything off it without building it,
/// so validating every response costs the load generator little of the CPU it shares with
/// the server.
pub(crate) fn validate(body: &[u8], checks: &[Check]) -> Result<(), String> {
    if checks.is_empty() {
        return answer_at(body, "").map(|_| ());
    }
    for check in checks {
        let path = check
            .pointer
            .strip_prefix("/data")
            .ok_or_else(|| format!("{} is not under /data", check.pointer))?;
        let found = answer_at(body, path)?
            .filter(|value| value.get() != "null")
            .ok_or_else(|| format!("{} is missing", check.pointer))?;
        if let Some(len) = check.len {
            let got =
                serde_json::from_str::<Vec<IgnoredAny>>(found.get()).map_or(0, |items| items.len());
            if got != len {
                return Err(format!("{} has {got} items, not {len}", check.pointer));
            }
        }
        if let Some(equal) = &check.equal {
            let value: Value = serde_json::from_str(found.get()).map_err(|err| err.to_string())?;
            if value != *equal {
                return Err(format!("{} is {value}, not {equal}", check.pointer));
            }
        }
    }
    Ok(())
}

/// The raw value at JSON pointer `path` (`/a/0/b`) inside the `data` of the GraphQL
/// answer `body` (`None` if the path leads nowhere), in one pass over the text; an answer
/// with `errors`, without `data` or not JSON at all is refused.
fn answer_at<'b>(body: &'b [u8], path: &str) -> Result<Option<&'b RawValue>, String> {
    let text = || String::from_utf8_lossy(body);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let answer = serde::Deserializer::deserialize_map(&mut deserializer, AnswerVisitor { path })
        .and_then(|answer| deserializer.end().map(|()| answer))
        .map_err(|_| format!("not a GraphQL answer: {}", text()))?;
    if let Some(errors) = answer.errors {
        return Err(format!("errors: {}", errors.get()));
    }
    if !answer.data {
        return Err(format!("no data: {}", text()));
    }
    Ok(answer.found)
}

/// The first token of JSON pointer `path` (unescaped) and the pointer after it; `None`
/// at the end of the path.
fn next_token(path: &str) -> Option<(Cow<'_, str>, &str)> {
    let path = path.strip_prefix('/')?;
    let (token, rest) = path.split_at(path.find('/').unwrap_or(path.len()));
    let token = if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    };
    Some((token, rest))
}

/// What one pass over a response found: whether it has `data`, the value at the check's
/// pointer inside it, and its `errors`.
struct Answer<'de> {
    data: bool,
    found: Option<&'de RawValue>,
    errors: Option<&'de RawValue>,
}

/// The response object: `data` is followed down `path`, `errors` kept, the rest skipped.
struct AnswerVisitor<'p> {
    path: &'p str,
}

impl<'de> Visitor<'de> for AnswerVisitor<'_> {
    type Value = Answer<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a GraphQL response object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut answer = Answer {
            data: false,
            found: None,
            errors: None,
        };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "data" => {
                    answer.data = true;
                    answer.found = map.next_value_seed(Follow { path: self.path })?;
                }
                "errors" => answer.errors = map.next_value::<Option<&RawValue>>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(answer)
    }
}

/// Follows the rest of a JSON pointer, `path`, into a value and yields the raw text at its
/// end; `None` when the path leads nowhere.
struct Follow<'p> {
    path: &'p str,
}

impl<'de> DeserializeSeed<'de> for Follow<'_> {
    type Value = Option<&'de RawValue>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match next_token(self.path) {
            None => <&RawValue>::deserialize(deserializer).map(Some),
            Some((token, rest)) => deserializer.deserialize_any(Step { token, rest }),
        }
    }
}

/// One step of `Follow`: the member or item named `token`, then the `rest` of the path.
struct Step<'p> {
    token: Cow<'p, str>,
    rest: &'p str,
}

impl<'de> Visitor<'de> for Step<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if found.is_none() && key == self.token {
                found = map.next_value_seed(Follow { path: self.rest })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Self::Value, A::Error> {
        let wanted: Option<usize> = self.token.parse().ok();
        let mut found = None;
        for index in 0.. {
            let more = if Some(index) == wanted {
                items
                    .next_element_seed(Follow { path: self.rest })?
                    .map(|value| found = value)
                    .is_some()
            } else {
                items.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                break;
            }
        }
        Ok(found)
    }

    // A path that goes on past a scalar leads nowhere.
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// The request as the load generator gets it (JSON on its stdin).
pub(crate) fn to_json(request: &Request) -> Value {
    json!({
        "query": request.query,
        "variables": request.variables,
        "checks": request.checks.iter().map(|check| json!({
            "pointer": check.pointer,
            "len": check.len,
            "equal": check.equal,
        })).collect::<Vec<_>>(),
    })
}

/// The request back from `to_json`.
pub(crate) fn from_json(value: &Value) -> Option<Request> {
    let checks = value["checks"]
        .as_array()?
        .iter()
        .map(|check| {
            Some(Check {
                pointer: check["pointer"].as_str()?.to_owned(),
                len: check["len"]
                    .as_u64()
                    .and_then(|len| usize::try_from(len).ok()),
                equal: Some(check["equal"].clone()).filter(|value| !value.is_null()),
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Request {
        query: value["query"].as_str()?.to_owned(),
        variables: value["variables"].clone(),
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_passes_only_with_data_no_errors_and_the_expected_shape() {
        let checks = vec![
            check_len("/data/o/nodes", 2),
            check_equal("/data/o/role", json!("OWNER")),
        ];
        let validate =
            |body: &Value, checks: &[Check]| validate(body.to_string().as_bytes(), checks);
        let good = json!({ "data": { "o": { "nodes": [1, 2], "role": "OWNER" } } });
        assert_eq!(validate(&good, &checks), Ok(()));
        let short = json!({ "data": { "o": { "nodes": [1], "role": "OWNER" } } });
        assert!(validate(&short, &checks).unwrap_err().contains("1 items"));
        let wrong = json!({ "data": { "o": { "nodes": [1, 2], "role": "ADMIN" } } });
        assert!(validate(&wrong, &checks).is_err());
        let error = json!({ "data": null, "errors": [{ "message": "no" }] });
        assert!(validate(&error, &checks).unwrap_err().starts_with("errors"));
        let partial =
            json!({ "data": { "o": { "nodes": [1, 2], "role": "OWNER" } }, "errors": [{}] });
        assert!(validate(&partial, &checks).is_err());
        assert!(validate(&json!({ "data": { "o": null } }), &checks).is_err());
        assert!(validate(&json!({}), &[]).is_err());
        assert!(super::validate(b"<html>502</html>", &[]).is_err());
        let nested = json!({ "data": { "o": { "nodes": [{ "a/b": 1 }, { "a/b": 2 }] } } });
        assert_eq!(
            validate(&nested, &[check_equal("/data/o/nodes/1/a~1b", json!(2))]),
            Ok(())
        );
        assert!(validate(&nested, &[check_equal("/data/o/nodes/2/a~1b", json!(2))]).is_err());
        let request = Request {
            query: "{ a }".to_owned(),
            variables: json!({ "id": "x" }),
            checks: checks.clone(),
        };
        let back = from_json(&to_json(&request)).unwrap();
        assert_eq!(back.query, request.query);
        assert_eq!(back.variables, request.variables);
        assert_eq!(validate(&good, &back.checks), Ok(()));
        assert!(validate(&wrong, &back.checks).is_err());
    }
}
