//! The settings of a merchant and of its marketplace (see
//! [`amiable_domain::settings`]): read by whoever works in their reach,
//! changed by their administrators and integrations, checked field by field,
//! written in one transaction that leaves the settings other parts own.

use crate::access::{allow, allow_role};
use crate::{App, Error};
use amiable_domain::access::{Action, Principal, Resource};
use amiable_domain::ids::MerchantId;
use amiable_domain::settings::{Mediator, MerchantSettings, OperatorSettings};
use amiable_store::SettingsOf;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a node remembers a tenant's time zone. A change made on this node
/// is seen at once; one made on another node within this time.
const ZONE_TTL: Duration = Duration::from_secs(30);

type Tenant = (amiable_domain::ids::OperatorId, Option<MerchantId>);

/// The zones looked up lately, by tenant.
#[derive(Default)]
pub(crate) struct ZoneCache(Mutex<HashMap<Tenant, (Option<TimeZone>, Instant)>>);

impl ZoneCache {
    fn get(&self, tenant: &Tenant) -> Option<Option<TimeZone>> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(tenant)
            .filter(|(_, at)| at.elapsed() < ZONE_TTL)
            .map(|(zone, _)| zone.clone())
    }

    fn put(&self, tenant: Tenant, zone: Option<TimeZone>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= 10_000 {
            map.clear();
        }
        map.insert(tenant, (zone, Instant::now()));
    }

    fn forget(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl App {
    /// The time zone a tenant's staff see times in: the merchant's setting,
    /// else the marketplace's; `None` when neither names one.
    pub async fn staff_zone(
        &self,
        operator_id: amiable_domain::ids::OperatorId,
        merchant_id: Option<MerchantId>,
    ) -> Result<Option<TimeZone>, Error> {
        let tenant = (operator_id, merchant_id);
        if let Some(zone) = self.inner.zones.get(&tenant) {
            return Ok(zone);
        }
        let operator = self
            .store()
            .operator(operator_id)
            .await?
            .ok_or_else(|| Error::not_found("operator"))?;
        let merchant = match merchant_id {
            Some(id) => self.store().merchant(id).await?.map(|m| m.settings),
            None => None,
        };
        let zone = amiable_domain::settings::zone_of(merchant.as_ref(), &operator.settings);
        self.inner.zones.put(tenant, zone.clone());
        Ok(zone)
    }

    /// A merchant's settings.
    pub async fn merchant_settings(
        &self,
        principal: &Principal,
        merchant_id: MerchantId,
    ) -> Result<MerchantSettings, Error> {
        allow_role(principal, Action::ReadSettings)?;
        let resource = self.merchant_resource(merchant_id).await?;
        allow(principal, Action::ReadSettings, &resource, "merchant")?;
        let merchant = self
            .store()
            .merchant(merchant_id)
            .await?
            .ok_or_else(|| Error::not_found("merchant"))?;
        Ok(MerchantSettings::read(&merchant.settings))
    }

    /// Replaces a merchant's settings (every field of [`MerchantSettings`]; an absent one is unset).
    pub async fn set_merchant_settings(
        &self,
        principal: &Principal,
        merchant_id: MerchantId,
        settings: MerchantSettings,
    ) -> Result<MerchantSettings, Error> {
        allow_role(principal, Action::ManageSettings)?;
        let resource = self.merchant_resource(merchant_id).await?;
        allow(principal, Action::ManageSettings, &resource, "merchant")?;
        let settings = settings.checked().map_err(Error::validation)?;
        self.edit(SettingsOf::Merchant(merchant_id), |stored| {
            settings.write_into(stored);
            Ok(())
        })
        .await?;
        Ok(settings)
    }

    /// The caller's marketplace's settings (its own people and integrations).
    pub async fn operator_settings(
        &self,
        principal: &Principal,
    ) -> Result<OperatorSettings, Error> {
        let operator_id = operator_side(principal)?;
        allow(
            principal,
            Action::ReadSettings,
            &Resource::operator(operator_id),
            "operator",
        )?;
        let operator = self
            .store()
            .operator(operator_id)
            .await?
            .ok_or_else(|| Error::not_found("operator"))?;
        Ok(OperatorSettings::read(&operator.settings))
    }

    /// Replaces the caller's marketplace's settings (every field; an absent one is unset).
    pub async fn set_operator_settings(
        &self,
        principal: &Principal,
        settings: OperatorSettings,
    ) -> Result<OperatorSettings, Error> {
        let operator_id = operator_side(principal)?;
        allow(
            principal,
            Action::ManageSettings,
            &Resource::operator(operator_id),
            "operator",
        )?;
        let settings = settings.checked().map_err(Error::validation)?;
        self.edit(SettingsOf::Operator(operator_id), |stored| {
            settings.write_into(stored);
            Ok(())
        })
        .await?;
        Ok(settings)
    }

    /// Sets only the consumer mediator of the caller's marketplace (C. conso L616-1),
    /// leaving its other settings as they are, in one transaction.
    pub async fn set_mediator(
        &self,
        principal: &Principal,
        mediator: Mediator,
    ) -> Result<(), Error> {
        let operator_id = operator_side(principal)?;
        allow(
            principal,
            Action::ManageSettings,
            &Resource::operator(operator_id),
            "operator",
        )?;
        self.edit(SettingsOf::Operator(operator_id), |stored| {
            let mut settings = OperatorSettings::read(stored);
            settings.mediator = Some(mediator);
            let settings = settings.checked().map_err(Error::validation)?;
            settings.write_into(stored);
            Ok(())
        })
        .await
    }

    /// Changes stored settings in one transaction (for the other use cases that keep a key of
    /// their own in the settings document).
    pub(crate) async fn edit_settings(
        &self,
        of: SettingsOf,
        edit: impl FnOnce(&mut serde_json::Value) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.edit(of, edit).await
    }

    /// Changes stored settings in one transaction (`edit` may refuse: nothing is
    /// written), then forgets the time zones this node remembers.
    async fn edit(
        &self,
        of: SettingsOf,
        edit: impl FnOnce(&mut serde_json::Value) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.store().edit_settings(of, edit).await??;
        self.inner.zones.forget();
        Ok(())
    }

    /// Ends a staff session.
    pub async fn sign_out(&self, token_hash: &str) -> Result<(), Error> {
        Ok(self.store().delete_session(token_hash).await?)
    }
}

/// The caller's marketplace: its own people reach its settings; a merchant's
/// or a buyer's never do (out of reach: `operator.not_found`, as for the minimum policy).
fn operator_side(principal: &Principal) -> Result<amiable_domain::ids::OperatorId, Error> {
    Ok(principal.operator_id())
}
