//! The marketplace's settings that the law asks for: the consumer mediator
//! the buyer is told of (C. conso L616-1: its name and website, on the site
//! and in the terms of sale).

use crate::access::allow;
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::contact::Email;
use amiable_domain::validation::{FieldError, ValidationErrors};

/// The consumer mediator of a marketplace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mediator {
    pub name: String,
    pub website: String,
    /// Optional.
    pub email: String,
}

impl Mediator {
    /// Checks the fields: a name, a web address, and an email when one is given.
    pub fn check(&self) -> Result<(), Error> {
        let mut errors = ValidationErrors::default();
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            errors.push(FieldError::new(
                "name",
                "mediator.name_required",
                "name the mediator (at most 200 characters)",
            ));
        }
        let website = &self.website;
        if !(website.starts_with("https://") || website.starts_with("http://"))
            || website.len() > 300
            || website.contains(char::is_whitespace)
        {
            errors.push(FieldError::new(
                "website",
                "mediator.website_invalid",
                "a web address starting with https://",
            ));
        }
        if !self.email.is_empty() && Email::parse(&self.email).is_err() {
            errors.push(FieldError::new(
                "email",
                "mediator.email_invalid",
                "an email address, or nothing",
            ));
        }
        errors.into_result().map_err(Error::validation)
    }
}

impl App {
    /// Sets the consumer mediator of the caller's marketplace (its administrators only).
    pub async fn set_mediator(
        &self,
        principal: &Principal,
        mediator: &Mediator,
    ) -> Result<(), Error> {
        if principal.merchant_id().is_some() {
            return Err(Error::forbidden());
        }
        let operator_id = principal.operator_id();
        allow(
            principal,
            Action::ManagePolicy,
            &Resource::operator(operator_id),
            "operator",
        )?;
        mediator.check()?;
        let operator = self
            .store()
            .operator(operator_id)
            .await?
            .ok_or_else(|| Error::not_found("operator"))?;
        let mut settings = operator.settings.clone();
        if !settings.is_object() {
            settings = serde_json::json!({});
        }
        let mut entry = serde_json::json!({ "name": mediator.name, "website": mediator.website });
        if !mediator.email.is_empty() {
            entry["email"] = serde_json::Value::String(mediator.email.clone());
        }
        settings["mediator"] = entry;
        self.store()
            .update_operator_settings(operator_id, &settings)
            .await?;
        Ok(())
    }

    /// Ends a staff session.
    pub async fn sign_out(&self, token_hash: &str) -> Result<(), Error> {
        Ok(self.store().delete_session(token_hash).await?)
    }
}
