//! The one translation layer: every user-facing string is looked up here by
//! key, in English or French. The choice is remembered in the browser; dates,
//! times and numbers are formatted for the language and the workspace's time zone.

use leptos::prelude::*;
use std::cell::Cell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Fr => "Français",
        }
    }

    fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| code.starts_with(l.code()))
    }
}

thread_local! {
    static LANG: Cell<Option<RwSignal<Lang>>> = const { Cell::new(None) };
}

const STORAGE_KEY: &str = "rapport.lang";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Picks the remembered language, else the browser's, else English.
pub fn install() -> RwSignal<Lang> {
    let remembered = storage().and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    let lang = remembered
        .as_deref()
        .and_then(Lang::from_code)
        .or_else(|| browser.as_deref().and_then(Lang::from_code))
        .unwrap_or(Lang::En);
    let signal = RwSignal::new(lang);
    LANG.with(|l| l.set(Some(signal)));
    set_document_lang(lang);
    signal
}

fn set_document_lang(lang: Lang) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = el.set_attribute("lang", lang.code());
    }
}

pub fn lang_signal() -> RwSignal<Lang> {
    LANG.with(|l| l.get()).unwrap_or_else(install)
}

/// The current language. Reactive: views that call it follow a change.
pub fn lang() -> Lang {
    lang_signal().get()
}

pub fn set_lang(lang: Lang) {
    lang_signal().set(lang);
    set_document_lang(lang);
    if let Some(s) = storage() {
        let _ = s.set_item(STORAGE_KEY, lang.code());
    }
}

/// The message for `key` in the current language.
pub fn t(key: &str) -> String {
    lookup(lang(), key).to_string()
}

/// `t` with `{name}` placeholders filled in.
pub fn tf(key: &str, args: &[(&str, &str)]) -> String {
    let mut s = t(key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// A reactive message for a view: `{tr("signin.title")}`.
pub fn tr(key: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    move || t(key)
}

pub fn lookup(lang: Lang, key: &str) -> &'static str {
    let table = match lang {
        Lang::En => EN,
        Lang::Fr => FR,
    };
    table
        .iter()
        .find(|(k, _)| *k == key)
        .or_else(|| EN.iter().find(|(k, _)| *k == key))
        .map(|(_, v)| *v)
        .unwrap_or("…")
}

/// The template's word for a role, in the current language.
pub fn role_label(template: rapport_domain::Template, role: rapport_domain::Role) -> String {
    let key = format!("role.{}.{}", template.as_str(), role.as_str());
    let s = lookup(lang(), &key);
    if s == "…" {
        t(&format!("role.{}", role.as_str()))
    } else {
        s.to_string()
    }
}

fn js_options(pairs: &[(&str, &str)]) -> js_sys::Object {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
}

/// A date and time in the language and the workspace's time zone.
pub fn datetime(at: &chrono::DateTime<chrono::Utc>, time_zone: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let opts = js_options(&[
        ("dateStyle", "medium"),
        ("timeStyle", "short"),
        ("timeZone", time_zone),
    ]);
    d.to_locale_string(lang().code(), &opts).into()
}

/// A date alone.
pub fn date(at: &chrono::DateTime<chrono::Utc>, time_zone: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    let opts = js_options(&[("dateStyle", "medium"), ("timeZone", time_zone)]);
    d.to_locale_date_string(lang().code(), &opts).into()
}

/// A number with the language's separators.
pub fn number(n: f64) -> String {
    js_sys::Number::from(n)
        .to_locale_string(lang().code())
        .into()
}

/// Money in minor units, e.g. 150000 EUR → "1 500,00 €" in French.
#[allow(dead_code)] // the payment, finance and store pages format amounts with it
pub fn money(amount_minor: i64, currency: &str) -> String {
    let locales = js_sys::Array::of1(&lang().code().into());
    let opts = js_options(&[("style", "currency"), ("currency", currency)]);
    let fmt = js_sys::Intl::NumberFormat::new(&locales, &opts);
    let digits = match currency {
        "JPY" | "KRW" => 0,
        _ => 2,
    };
    let value = amount_minor as f64 / 10f64.powi(digits);
    fmt.format()
        .call1(&wasm_bindgen::JsValue::NULL, &value.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| format!("{value} {currency}"))
}

type Table = &'static [(&'static str, &'static str)];

pub const EN: Table = &[
    ("app.name", "Rapport"),
    ("app.tagline", "One platform for schools, tutors, certification programmes, sales teams and support desks."),
    ("app.loading", "Loading…"),
    ("app.skip", "Skip to content"),
    ("lang.label", "Language"),
    ("common.name", "Name"),
    ("common.save", "Save"),

    ("common.cancel", "Cancel"),
    ("common.close", "Close"),
    ("common.copy", "Copy"),
    ("common.copied", "Copied"),
    ("common.remove", "Remove"),
    ("common.revoke", "Revoke"),
    ("common.resend", "Resend"),
    ("common.more", "Load more"),
    ("common.retry", "Try again"),
    ("common.never", "Never"),
    ("common.none", "None"),
    ("common.saved", "Saved"),
    ("common.confirm_remove", "Remove {name} from this workspace?"),
    ("error.generic", "Something went wrong."),
    ("error.network", "The server cannot be reached. Check your connection."),
    ("error.wrong_credentials", "The e-mail or the password is wrong."),
    ("field.email", "E-mail"),
    ("field.password", "Password"),
    ("field.name", "Your name"),
    ("field.workspace_name", "Workspace name"),
    ("field.template", "What is the workspace for?"),
    ("field.new_password", "New password"),
    ("field.current_password", "Current password"),
    ("field.role", "Role"),
    ("field.password_hint", "At least 10 characters."),
    ("signin.title", "Sign in"),
    ("signin.submit", "Sign in"),
    ("signin.forgot", "Forgot your password?"),
    ("signin.no_account", "New here?"),
    ("signin.create", "Create a workspace"),
    ("signin.locked", "Too many failed attempts: this account is locked for a few minutes. Try again later."),
    ("register.title", "Create a workspace"),
    ("register.submit", "Create the workspace"),
    ("register.have_account", "Already have an account?"),
    ("template.school", "School"),
    ("template.tutoring", "Tutoring"),
    ("template.consulting", "Certification programme"),
    ("template.sales", "Sales team"),
    ("template.support", "Support desk"),
    ("template.school.about", "An after-school school: students, groups, lessons, attendance, payments, medals and a reward store."),
    ("template.tutoring.about", "A tutoring business: a calendar of sessions, students, invoices and revenue."),
    ("template.consulting.about", "Consultants, booked consultations, hours toward a 40-hour certificate, video sessions."),
    ("template.sales.about", "Companies, contacts, deals in pipelines, activities, campaigns and analytics."),
    ("template.support.about", "Customers, tickets with threads, SLAs and a customer portal."),
    ("forgot.title", "Forgot your password"),
    ("forgot.lead", "Give the e-mail of your account and we send you a link to choose a new password."),
    ("forgot.submit", "Send the link"),
    ("forgot.sent", "If that e-mail has an account, a link is on its way. It works for one hour."),
    ("reset.title", "Choose a new password"),
    ("reset.submit", "Set the password"),
    ("reset.done", "Your password is changed. Sign in with it."),
    ("reset.bad_link", "This link is unknown, used or expired. Ask for a new one."),
    ("accept.title", "Join the workspace"),
    ("accept.lead", "You were invited to Rapport. New here? Give your name and choose a password. Already have an account? Give its password."),
    ("accept.as", "Accept as {name}"),
    ("accept.submit", "Accept the invitation"),
    ("accept.invalid", "This invitation is unknown, used, revoked or expired. Ask for a new one."),
    ("nav.home", "Home"),
    ("nav.people", "People"),
    ("nav.admin", "Administration"),
    ("nav.members", "Members"),
    ("nav.api_keys", "API keys"),
    ("nav.audit", "Audit log"),
    ("nav.mail", "Mail viewer"),
    ("nav.profile", "Profile"),
    ("nav.menu", "Menu"),
    ("nav.signout", "Sign out"),
    ("nav.switch", "Switch workspace"),
    ("module.people", "People"),
    ("module.organizations", "Organisations"),
    ("module.groups", "Groups"),
    ("module.scheduling", "Schedule"),
    ("module.booking", "Booking"),
    ("module.attendance", "Attendance"),
    ("module.payments", "Payments"),
    ("module.finance", "Finance"),
    ("module.medals", "Medals"),
    ("module.store", "Reward store"),
    ("module.messaging", "Messages"),
    ("module.certification", "Certification"),
    ("module.documents", "Documents"),
    ("module.video", "Video sessions"),
    ("module.deals", "Deals"),
    ("module.activities", "Activities"),
    ("module.campaigns", "Campaigns"),
    ("module.approvals", "Approvals"),
    ("module.dashboards", "Dashboards"),
    ("module.analytics", "Analytics"),
    ("module.tickets", "Tickets"),
    ("module.slas", "SLAs"),
    ("module.portal", "Customer portal"),
    ("people.school", "Students"),
    ("people.tutoring", "Students"),
    ("people.consulting", "Practitioners"),
    ("people.sales", "Contacts"),
    ("people.support", "Customers"),
    ("module.soon", "This part of {module} is being built. It will appear here, with live updates, as soon as it is ready."),
    ("role.owner", "Owner"),
    ("role.admin", "Admin"),
    ("role.manager", "Manager"),
    ("role.staff", "Staff"),
    ("role.member", "Member"),
    ("role.school.staff", "Teacher"),
    ("role.school.member", "Student"),
    ("role.tutoring.manager", "Moderator"),
    ("role.tutoring.member", "User"),
    ("role.consulting.staff", "Consultant"),
    ("role.consulting.member", "Student"),
    ("role.sales.staff", "Sales rep"),
    ("role.support.staff", "Agent"),
    ("role.support.member", "Customer"),
    ("home.welcome", "Welcome, {name}"),
    ("home.lead", "You are {role} in {workspace}."),
    ("home.modules", "In this workspace"),
    ("home.next", "Next steps"),
    ("home.invite", "Invite your team"),
    ("home.keys", "Connect another tool with an API key"),
    ("home.profile", "Review your profile"),
    ("live.connecting", "Connecting…"),
    ("live.live", "Live"),
    ("live.offline", "Offline, reconnecting…"),
    ("bell.title", "Notifications"),
    ("bell.empty", "Nothing new."),
    ("event.member.added", "{name} joined the workspace"),
    ("event.member.updated", "A member's details changed"),
    ("event.member.removed", "A member left the workspace"),
    ("event.invitation.created", "{email} was invited"),
    ("event.invitation.accepted", "{email} accepted an invitation"),
    ("event.invitation.revoked", "An invitation was revoked"),
    ("event.invitation.resent", "An invitation was sent again"),
    ("event.api_key.created", "An API key was created"),
    ("event.api_key.revoked", "An API key was revoked"),
    ("event.workspace.created", "The workspace was created"),
    ("event.other", "Something changed: {type}"),
    ("members.title", "Members"),
    ("members.lead", "Who is in this workspace, and what each may do."),
    ("members.invite", "Invite someone"),
    ("members.invite_submit", "Send the invitation"),
    ("members.invited", "Invitation sent to {email}."),
    ("members.empty", "Only you so far. Invite your team with the form above."),
    ("members.joined", "Joined"),
    ("members.you", "you"),
    ("members.role_changed", "{name} is now {role}."),
    ("members.removed", "{name} was removed."),
    ("invitations.title", "Pending invitations"),
    ("invitations.empty", "No invitation is waiting."),
    ("invitations.expires", "Expires"),
    ("invitations.resent", "Sent again to {email}."),
    ("invitations.revoked", "Invitation revoked."),
    ("keys.title", "API keys"),
    ("keys.lead", "Keys let other tools use this workspace's API within their scopes. A key never manages keys or members."),
    ("keys.create", "Create a key"),
    ("keys.name", "Name"),
    ("keys.scopes", "Scopes"),
    ("keys.scope_all", "Everything a key may do"),
    ("keys.expires", "Expires on (optional)"),
    ("keys.created", "Here is the new key. Copy it now: it will not be shown again."),
    ("keys.empty", "No key yet. Create one to connect another tool."),
    ("keys.prefix", "Prefix"),
    ("keys.last_used", "Last used"),
    ("keys.revoked", "The key is revoked."),
    ("audit.title", "Audit log"),
    ("audit.lead", "Every change in this workspace: who, what, when and from where. Entries are chained so that tampering shows."),
    ("audit.verify", "Verify the chain"),
    ("audit.ok", "The chain is intact: {count} entries checked."),
    ("audit.bad", "The chain is broken at entry {seq}: it was changed after it was written."),
    ("audit.filter_action", "Action"),
    ("audit.filter_record", "Record type"),
    ("audit.filter_since", "From"),
    ("audit.filter_until", "Until"),
    ("audit.filter", "Filter"),
    ("audit.when", "When"),
    ("audit.who", "Who"),
    ("audit.what", "What"),
    ("audit.changes", "Changes"),
    ("audit.from", "From"),
    ("audit.empty", "No entry matches."),
    ("audit.system", "System"),
    ("audit.key", "API key"),
    ("mail.title", "Mail viewer"),
    ("mail.lead", "No mail server is configured: the messages sent to your address are kept here (and written to files on the server)."),
    ("mail.empty", "No message to your address yet. Invitations and password resets you receive will appear here."),
    ("mail.to", "To"),
    ("profile.title", "Profile"),
    ("profile.details", "Your details"),
    ("profile.password", "Change your password"),
    ("profile.password_done", "Password changed. Your other sessions are signed out."),
    ("profile.sessions", "Sessions"),
    ("profile.signout_all", "Sign out everywhere"),
    ("profile.signout_all_lead", "Ends every session of your account, on every device, including this one."),
    ("forbidden.title", "Not allowed"),
    ("forbidden.lead", "Your role in this workspace does not open this page. Ask an admin if you need it."),
    ("forbidden.home", "Back to the home page"),
    ("notfound.title", "Page not found"),
    ("notfound.lead", "There is nothing at this address."),
];

pub const FR: Table = &[
    ("app.name", "Rapport"),
    ("app.tagline", "Une plateforme pour les écoles, les tuteurs, les programmes de certification, les équipes commerciales et les services clients."),
    ("app.loading", "Chargement…"),
    ("app.skip", "Aller au contenu"),
    ("lang.label", "Langue"),
    ("common.name", "Nom"),
    ("common.save", "Enregistrer"),

    ("common.cancel", "Annuler"),
    ("common.close", "Fermer"),
    ("common.copy", "Copier"),
    ("common.copied", "Copié"),
    ("common.remove", "Retirer"),
    ("common.revoke", "Révoquer"),
    ("common.resend", "Renvoyer"),
    ("common.more", "Voir plus"),
    ("common.retry", "Réessayer"),
    ("common.never", "Jamais"),
    ("common.none", "Aucun"),
    ("common.saved", "Enregistré"),
    ("common.confirm_remove", "Retirer {name} de cet espace ?"),
    ("error.generic", "Une erreur est survenue."),
    ("error.network", "Le serveur est injoignable. Vérifiez votre connexion."),
    ("error.wrong_credentials", "L’e-mail ou le mot de passe est incorrect."),
    ("field.email", "E-mail"),
    ("field.password", "Mot de passe"),
    ("field.name", "Votre nom"),
    ("field.workspace_name", "Nom de l’espace"),
    ("field.template", "À quoi sert cet espace ?"),
    ("field.new_password", "Nouveau mot de passe"),
    ("field.current_password", "Mot de passe actuel"),
    ("field.role", "Rôle"),
    ("field.password_hint", "Au moins 10 caractères."),
    ("signin.title", "Connexion"),
    ("signin.submit", "Se connecter"),
    ("signin.forgot", "Mot de passe oublié ?"),
    ("signin.no_account", "Nouveau ici ?"),
    ("signin.create", "Créer un espace"),
    ("signin.locked", "Trop d’échecs : ce compte est bloqué quelques minutes. Réessayez plus tard."),
    ("register.title", "Créer un espace"),
    ("register.submit", "Créer l’espace"),
    ("register.have_account", "Déjà un compte ?"),
    ("template.school", "École"),
    ("template.tutoring", "Soutien scolaire"),
    ("template.consulting", "Programme de certification"),
    ("template.sales", "Équipe commerciale"),
    ("template.support", "Service client"),
    ("template.school.about", "Une école du soir : élèves, groupes, cours, présences, paiements, médailles et boutique de récompenses."),
    ("template.tutoring.about", "Une activité de soutien : un agenda des séances, des élèves, des factures et le chiffre d’affaires."),
    ("template.consulting.about", "Des consultants, des consultations réservées, des heures vers un certificat de 40 heures, des séances vidéo."),
    ("template.sales.about", "Entreprises, contacts, affaires en pipeline, activités, campagnes et analyses."),
    ("template.support.about", "Clients, tickets avec fils de discussion, SLA et portail client."),
    ("forgot.title", "Mot de passe oublié"),
    ("forgot.lead", "Indiquez l’e-mail de votre compte : nous vous envoyons un lien pour choisir un nouveau mot de passe."),
    ("forgot.submit", "Envoyer le lien"),
    ("forgot.sent", "Si cet e-mail a un compte, un lien est en route. Il est valable une heure."),
    ("reset.title", "Choisir un nouveau mot de passe"),
    ("reset.submit", "Définir le mot de passe"),
    ("reset.done", "Votre mot de passe est changé. Connectez-vous avec."),
    ("reset.bad_link", "Ce lien est inconnu, déjà utilisé ou expiré. Demandez-en un nouveau."),
    ("accept.title", "Rejoindre l’espace"),
    ("accept.lead", "Vous êtes invité sur Rapport. Nouveau ? Indiquez votre nom et choisissez un mot de passe. Déjà un compte ? Donnez son mot de passe."),
    ("accept.as", "Accepter en tant que {name}"),
    ("accept.submit", "Accepter l’invitation"),
    ("accept.invalid", "Cette invitation est inconnue, utilisée, révoquée ou expirée. Demandez-en une nouvelle."),
    ("nav.home", "Accueil"),
    ("nav.people", "Personnes"),
    ("nav.admin", "Administration"),
    ("nav.members", "Membres"),
    ("nav.api_keys", "Clés d’API"),
    ("nav.audit", "Journal d’audit"),
    ("nav.mail", "Courrier"),
    ("nav.profile", "Profil"),
    ("nav.menu", "Menu"),
    ("nav.signout", "Se déconnecter"),
    ("nav.switch", "Changer d’espace"),
    ("module.people", "Personnes"),
    ("module.organizations", "Organisations"),
    ("module.groups", "Groupes"),
    ("module.scheduling", "Agenda"),
    ("module.booking", "Réservations"),
    ("module.attendance", "Présences"),
    ("module.payments", "Paiements"),
    ("module.finance", "Finances"),
    ("module.medals", "Médailles"),
    ("module.store", "Boutique"),
    ("module.messaging", "Messages"),
    ("module.certification", "Certification"),
    ("module.documents", "Documents"),
    ("module.video", "Séances vidéo"),
    ("module.deals", "Affaires"),
    ("module.activities", "Activités"),
    ("module.campaigns", "Campagnes"),
    ("module.approvals", "Validations"),
    ("module.dashboards", "Tableaux de bord"),
    ("module.analytics", "Analyses"),
    ("module.tickets", "Tickets"),
    ("module.slas", "SLA"),
    ("module.portal", "Portail client"),
    ("people.school", "Élèves"),
    ("people.tutoring", "Élèves"),
    ("people.consulting", "Praticiens"),
    ("people.sales", "Contacts"),
    ("people.support", "Clients"),
    ("module.soon", "Cette partie ({module}) est en construction. Elle apparaîtra ici, avec les mises à jour en direct, dès qu’elle sera prête."),
    ("role.owner", "Propriétaire"),
    ("role.admin", "Administrateur"),
    ("role.manager", "Responsable"),
    ("role.staff", "Équipe"),
    ("role.member", "Membre"),
    ("role.school.staff", "Enseignant"),
    ("role.school.member", "Élève"),
    ("role.tutoring.manager", "Modérateur"),
    ("role.tutoring.member", "Utilisateur"),
    ("role.consulting.staff", "Consultant"),
    ("role.consulting.member", "Étudiant"),
    ("role.sales.staff", "Commercial"),
    ("role.support.staff", "Agent"),
    ("role.support.member", "Client"),
    ("home.welcome", "Bienvenue, {name}"),
    ("home.lead", "Vous êtes {role} dans {workspace}."),
    ("home.modules", "Dans cet espace"),
    ("home.next", "Pour commencer"),
    ("home.invite", "Invitez votre équipe"),
    ("home.keys", "Reliez un autre outil avec une clé d’API"),
    ("home.profile", "Vérifiez votre profil"),
    ("live.connecting", "Connexion…"),
    ("live.live", "En direct"),
    ("live.offline", "Hors ligne, reconnexion…"),
    ("bell.title", "Notifications"),
    ("bell.empty", "Rien de nouveau."),
    ("event.member.added", "{name} a rejoint l’espace"),
    ("event.member.updated", "Les informations d’un membre ont changé"),
    ("event.member.removed", "Un membre a quitté l’espace"),
    ("event.invitation.created", "{email} a été invité"),
    ("event.invitation.accepted", "{email} a accepté une invitation"),
    ("event.invitation.revoked", "Une invitation a été révoquée"),
    ("event.invitation.resent", "Une invitation a été renvoyée"),
    ("event.api_key.created", "Une clé d’API a été créée"),
    ("event.api_key.revoked", "Une clé d’API a été révoquée"),
    ("event.workspace.created", "L’espace a été créé"),
    ("event.other", "Changement : {type}"),
    ("members.title", "Membres"),
    ("members.lead", "Qui fait partie de cet espace, et ce que chacun peut faire."),
    ("members.invite", "Inviter quelqu’un"),
    ("members.invite_submit", "Envoyer l’invitation"),
    ("members.invited", "Invitation envoyée à {email}."),
    ("members.empty", "Vous êtes seul pour l’instant. Invitez votre équipe avec le formulaire ci-dessus."),
    ("members.joined", "Arrivée"),
    ("members.you", "vous"),
    ("members.role_changed", "{name} est maintenant {role}."),
    ("members.removed", "{name} a été retiré."),
    ("invitations.title", "Invitations en attente"),
    ("invitations.empty", "Aucune invitation en attente."),
    ("invitations.expires", "Expire"),
    ("invitations.resent", "Renvoyée à {email}."),
    ("invitations.revoked", "Invitation révoquée."),
    ("keys.title", "Clés d’API"),
    ("keys.lead", "Les clés permettent à d’autres outils d’utiliser l’API de cet espace dans leurs périmètres. Une clé ne gère jamais ni clés ni membres."),
    ("keys.create", "Créer une clé"),
    ("keys.name", "Nom"),
    ("keys.scopes", "Périmètres"),
    ("keys.scope_all", "Tout ce qu’une clé peut faire"),
    ("keys.expires", "Expire le (facultatif)"),
    ("keys.created", "Voici la nouvelle clé. Copiez-la maintenant : elle ne sera plus affichée."),
    ("keys.empty", "Aucune clé. Créez-en une pour relier un autre outil."),
    ("keys.prefix", "Préfixe"),
    ("keys.last_used", "Dernière utilisation"),
    ("keys.revoked", "La clé est révoquée."),
    ("audit.title", "Journal d’audit"),
    ("audit.lead", "Chaque changement dans cet espace : qui, quoi, quand et d’où. Les entrées sont chaînées : toute falsification se voit."),
    ("audit.verify", "Vérifier la chaîne"),
    ("audit.ok", "La chaîne est intacte : {count} entrées vérifiées."),
    ("audit.bad", "La chaîne est rompue à l’entrée {seq} : elle a été modifiée après son écriture."),
    ("audit.filter_action", "Action"),
    ("audit.filter_record", "Type d’objet"),
    ("audit.filter_since", "Du"),
    ("audit.filter_until", "Au"),
    ("audit.filter", "Filtrer"),
    ("audit.when", "Quand"),
    ("audit.who", "Qui"),
    ("audit.what", "Quoi"),
    ("audit.changes", "Changements"),
    ("audit.from", "Depuis"),
    ("audit.empty", "Aucune entrée ne correspond."),
    ("audit.system", "Système"),
    ("audit.key", "Clé d’API"),
    ("mail.title", "Courrier"),
    ("mail.lead", "Aucun serveur de courrier n’est configuré : les messages envoyés à votre adresse sont conservés ici (et écrits dans des fichiers sur le serveur)."),
    ("mail.empty", "Aucun message à votre adresse pour l’instant. Les invitations et réinitialisations que vous recevez apparaîtront ici."),
    ("mail.to", "À"),
    ("profile.title", "Profil"),
    ("profile.details", "Vos informations"),
    ("profile.password", "Changer de mot de passe"),
    ("profile.password_done", "Mot de passe changé. Vos autres sessions sont déconnectées."),
    ("profile.sessions", "Sessions"),
    ("profile.signout_all", "Se déconnecter partout"),
    ("profile.signout_all_lead", "Met fin à toutes les sessions de votre compte, sur tous les appareils, y compris celui-ci."),
    ("forbidden.title", "Accès refusé"),
    ("forbidden.lead", "Votre rôle dans cet espace n’ouvre pas cette page. Demandez à un administrateur si vous en avez besoin."),
    ("forbidden.home", "Retour à l’accueil"),
    ("notfound.title", "Page introuvable"),
    ("notfound.lead", "Il n’y a rien à cette adresse."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_is_complete_and_has_no_stray_keys() {
        for (k, _) in EN {
            assert!(FR.iter().any(|(f, _)| f == k), "French lacks {k}");
        }
        for (k, _) in FR {
            assert!(
                EN.iter().any(|(e, _)| e == k),
                "French has a key English lacks: {k}"
            );
        }
    }

    #[test]
    fn no_key_is_defined_twice() {
        for table in [EN, FR] {
            let mut keys: Vec<_> = table.iter().map(|(k, _)| *k).collect();
            keys.sort();
            let n = keys.len();
            keys.dedup();
            assert_eq!(n, keys.len());
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        for (k, en) in EN {
            let fr = lookup(Lang::Fr, k);
            let holes = |s: &str| {
                let mut v: Vec<String> = s
                    .split('{')
                    .skip(1)
                    .filter_map(|p| p.split('}').next().map(String::from))
                    .collect();
                v.sort();
                v
            };
            assert_eq!(holes(en), holes(fr), "{k}");
        }
    }
}
