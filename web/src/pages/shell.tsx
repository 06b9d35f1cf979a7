// The frame of every screen after the login: the navigation of the role,
// who is logged in, the language and the logout.
import type { ComponentChildren } from "preact";
import type { Session } from "../api";
import { t, tDyn, type Key } from "../i18n";
import { navigate } from "../router";
import { LangSwitch } from "./lang";

interface NavItem {
  path: string;
  label: Key;
  roles: Session["role"][];
}

/* The screens of this slice; more come with the agent console and the
 * client's back office (issue 19). */
const NAV: NavItem[] = [
  { path: "/wallboard", label: "nav.wallboard", roles: ["operator"] },
  { path: "/console", label: "console.nav", roles: ["agent"] },
  { path: "/phone", label: "phone.nav", roles: ["agent"] },
  {
    path: "/start",
    label: "nav.start",
    roles: ["operator", "client_admin", "agent"],
  },
  { path: "/admin", label: "nav.admin", roles: ["operator"] },
  { path: "/office/dashboard", label: "office.nav.dashboard", roles: ["client_admin"] },
  { path: "/office/profile", label: "office.nav.profile", roles: ["client_admin"] },
  { path: "/office/employees", label: "office.nav.employees", roles: ["client_admin"] },
  { path: "/office/calendar", label: "office.nav.calendar", roles: ["client_admin"] },
  { path: "/office/callers", label: "office.nav.callers", roles: ["client_admin"] },
  { path: "/office/oncall", label: "office.nav.oncall", roles: ["client_admin"] },
  { path: "/office/notes", label: "office.nav.notes", roles: ["client_admin"] },
  { path: "/office/absence", label: "office.nav.absence", roles: ["subaccount"] },
];

export function homeOf(s: Session): string {
  return NAV.find((n) => n.roles.includes(s.role))!.path;
}

export function Shell({
  session,
  path,
  onLogout,
  children,
}: {
  session: Session;
  path: string;
  onLogout: () => void;
  children: ComponentChildren;
}) {
  const items = NAV.filter((n) => n.roles.includes(session.role));
  return (
    <div class="shell">
      <a class="skip" href="#main">
        {t("nav.skip")}
      </a>
      <header class="top">
        <span class="brand">{t("app.name")}</span>
        <nav aria-label={t("nav.label")}>
          <ul>
            {items.map((n) => (
              <li key={n.path}>
                <a
                  href={n.path}
                  aria-current={
                    path === n.path || path.startsWith(n.path + "/") ? "page" : undefined
                  }
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(n.path);
                  }}
                >
                  {t(n.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span id="who">
            {session.login ?? ""} ·{" "}
            <span id="who-role">{tDyn(`role.${session.role}`)}</span>
          </span>
          <LangSwitch />
          <button type="button" class="secondary" onClick={onLogout}>
            {t("nav.logout")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
