//! What a server says it can do (`GET /metadata`, a CapabilityStatement), reduced to what a
//! sync engine decides on. meridian-fhir does not model CapabilityStatement, so it is read
//! here, leniently: missing elements become empty lists.

use serde::Deserialize;

/// A server's CapabilityStatement, reduced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `fhirVersion`, e.g. `4.0.1`.
    pub fhir_version: Option<String>,
    /// `format`: mime types or `json` / `xml`.
    pub formats: Vec<String>,
    /// `software.name` and `software.version`, joined by a space.
    pub software: Option<String>,
    /// System-level interactions of the server's `rest` entry: `transaction`, `batch`,
    /// `search-system`, `history-system`.
    pub system_interactions: Vec<String>,
    /// One entry per resource type the server serves.
    pub resources: Vec<ResourceCapability>,
}

/// What the server supports for one resource type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceCapability {
    /// The type, e.g. `Patient`.
    pub resource_type: String,
    /// `read | vread | update | patch | delete | history-instance | history-type | create |
    /// search-type`.
    pub interactions: Vec<String>,
    /// `versioning`: `no-version | versioned | versioned-update`.
    pub versioning: Option<String>,
    /// `conditionalCreate` (`If-None-Exist`).
    pub conditional_create: bool,
    /// `conditionalUpdate` (`PUT [type]?query`).
    pub conditional_update: bool,
    /// `conditionalDelete`: `not-supported | single | multiple`.
    pub conditional_delete: Option<String>,
    /// Names of the search parameters the server lists.
    pub search_params: Vec<String>,
}

impl Capabilities {
    /// The entry for `resource_type`, if the server lists it.
    pub fn resource(&self, resource_type: &str) -> Option<&ResourceCapability> {
        self.resources
            .iter()
            .find(|r| r.resource_type == resource_type)
    }

    /// Whether the server lists `interaction` (e.g. `update`) for `resource_type`.
    pub fn supports(&self, resource_type: &str, interaction: &str) -> bool {
        self.resource(resource_type)
            .is_some_and(|r| r.interactions.iter().any(|i| i == interaction))
    }

    /// Whether the server lists the system interaction (e.g. `transaction`).
    pub fn supports_system(&self, interaction: &str) -> bool {
        self.system_interactions.iter().any(|i| i == interaction)
    }

    /// Whether the server speaks FHIR R4 (`fhirVersion` 4.0.x).
    pub fn is_r4(&self) -> bool {
        self.fhir_version
            .as_deref()
            .is_some_and(|v| v == "4.0" || v.starts_with("4.0."))
    }

    /// Reads a CapabilityStatement; `None` when the JSON is not one.
    pub(crate) fn from_json(body: &[u8]) -> Option<Self> {
        let raw: RawStatement = serde_json::from_slice(body).ok()?;
        if raw.resource_type != "CapabilityStatement" {
            return None;
        }
        // Servers have one `rest` entry in `server` mode; a client-mode entry says nothing
        // about what this server accepts.
        let rest = raw
            .rest
            .into_iter()
            .find(|r| r.mode.as_deref() != Some("client"));
        let (system_interactions, resources) = match rest {
            Some(rest) => (
                codes(rest.interaction),
                rest.resource
                    .into_iter()
                    .filter_map(|r| {
                        Some(ResourceCapability {
                            resource_type: r.r#type?,
                            interactions: codes(r.interaction),
                            versioning: r.versioning,
                            conditional_create: r.conditional_create.unwrap_or(false),
                            conditional_update: r.conditional_update.unwrap_or(false),
                            conditional_delete: r.conditional_delete,
                            search_params: r
                                .search_param
                                .into_iter()
                                .filter_map(|p| p.name)
                                .collect(),
                        })
                    })
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let software = raw.software.and_then(|s| match (s.name, s.version) {
            (Some(n), Some(v)) => Some(format!("{n} {v}")),
            (n, v) => n.or(v),
        });
        Some(Self {
            fhir_version: raw.fhir_version,
            formats: raw.format,
            software,
            system_interactions,
            resources,
        })
    }
}

fn codes(interactions: Vec<RawInteraction>) -> Vec<String> {
    interactions.into_iter().filter_map(|i| i.code).collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawStatement {
    #[serde(default)]
    resource_type: String,
    fhir_version: Option<String>,
    #[serde(default)]
    format: Vec<String>,
    software: Option<RawSoftware>,
    #[serde(default)]
    rest: Vec<RawRest>,
}

#[derive(Deserialize)]
struct RawSoftware {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
struct RawRest {
    mode: Option<String>,
    #[serde(default)]
    resource: Vec<RawResource>,
    #[serde(default)]
    interaction: Vec<RawInteraction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawResource {
    r#type: Option<String>,
    #[serde(default)]
    interaction: Vec<RawInteraction>,
    versioning: Option<String>,
    conditional_create: Option<bool>,
    conditional_update: Option<bool>,
    conditional_delete: Option<String>,
    #[serde(default)]
    search_param: Vec<RawSearchParam>,
}

#[derive(Deserialize)]
struct RawInteraction {
    code: Option<String>,
}

#[derive(Deserialize)]
struct RawSearchParam {
    name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_interactions_and_conditional_support() {
        let json = br#"{"resourceType":"CapabilityStatement","fhirVersion":"4.0.1",
          "format":["json"],"software":{"name":"x","version":"1"},
          "rest":[{"mode":"server","interaction":[{"code":"transaction"}],
            "resource":[{"type":"Patient","interaction":[{"code":"read"},{"code":"update"}],
              "conditionalCreate":true,"searchParam":[{"name":"identifier","type":"token"}]}]}]}"#;
        let c = Capabilities::from_json(json).unwrap_or_default();
        assert!(c.is_r4());
        assert!(c.supports("Patient", "update"));
        assert!(!c.supports("Patient", "delete"));
        assert!(!c.supports("Observation", "read"));
        assert!(c.supports_system("transaction"));
        assert_eq!(c.software.as_deref(), Some("x 1"));
        let p = c.resource("Patient");
        assert!(p.is_some_and(|p| p.conditional_create && !p.conditional_update));
        assert_eq!(
            p.map(|p| p.search_params.clone()),
            Some(vec!["identifier".to_owned()])
        );
    }

    #[test]
    fn another_resource_is_not_a_capability_statement() {
        assert!(Capabilities::from_json(br#"{"resourceType":"Patient"}"#).is_none());
        assert!(Capabilities::from_json(b"not json").is_none());
    }
}
