//! Who handles the case: « Attribuer à… » and « Me l’attribuer ».

use super::*;

const ASSIGN: ActionForm = ActionForm {
    name: "assign",
    fields: &["assignee"],
    guarded: false,
};

action!(
    /// `POST /console/cases/{case_id}/do/assign`: `assignee` is `me`, `nobody`,
    /// `user:<id>`, `team:<id>` (the team's next member in turn) or `queue:<id>`.
    assign,
    ASSIGN,
    |a| assign_to(&a)
);

async fn assign_to(a: &Acting<'_>) -> Result<&'static str, Failure> {
    let Some(target) = crate::web::console::bulk::parse_target(a.form().text("assignee")) else {
        let mut errors = Errors::default();
        errors.add("assignee", a.ui.t("assign-choose"));
        return Err(Failure::Invalid(Invalid(errors)));
    };
    a.state
        .app()
        .assign(&a.principal, a.case_id, a.expected, target)
        .await?;
    Ok("assigned")
}
