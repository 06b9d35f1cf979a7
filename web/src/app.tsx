// The application: who is logged in (GET /api/v1/sessions/current), the
// language, and which screen the path shows.  Navigation is by role, but
// the server decides what a role may see (roles.c): a screen whose data
// the API refuses says so.
import { useEffect, useState } from "preact/hooks";
import { ApiError, current, logout, type Session } from "./api";
import { onLangChange } from "./i18n";
import { navigate, usePath } from "./router";
import { Login } from "./pages/login";
import { Shell, homeOf } from "./pages/shell";
import { Start } from "./pages/start";
import { Wallboard } from "./pages/wallboard";
import { Console } from "./pages/console";
import { Phone } from "./pages/phone";
import { NotFound } from "./pages/notfound";
import { OfficeProfile } from "./pages/officeProfile";
import { OfficeEmployees } from "./pages/officeEmployees";
import { OfficeAbsence } from "./pages/officeAbsence";
import { OfficeCalendar } from "./pages/officeCalendar";
import { OfficeCallers } from "./pages/officeCallers";
import { OfficeOncall } from "./pages/officeOncall";
import { OfficeDashboard } from "./pages/officeDashboard";
import { OfficeNotes } from "./pages/officeNotes";
import { Admin } from "./pages/admin";

export function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | null | undefined>(
    undefined,
  );
  const [, setTick] = useState(0);

  useEffect(() => onLangChange(() => setTick((n) => n + 1)), []);
  useEffect(() => {
    current()
      .then(setSession)
      .catch((e) => {
        if (!(e instanceof ApiError)) console.error(e);
        setSession(null);
      });
  }, []);

  if (session === undefined) return <div class="loading" aria-busy="true" />;

  if (!session) {
    if (path !== "/login") navigate("/login", true);
    return (
      <Login
        onLogin={(s) => {
          setSession(s);
          navigate(homeOf(s), true);
        }}
      />
    );
  }
  if (path === "/" || path === "/login") {
    navigate(homeOf(session), true);
    return null;
  }
  const doLogout = async () => {
    try {
      await logout();
    } catch {
      /* the session is gone anyway */
    }
    setSession(null);
    navigate("/login", true);
  };
  let page;
  if (path === "/wallboard") page = <Wallboard />;
  else if (path === "/console") page = <Console session={session} />;
  else if (path === "/phone") page = <Phone session={session} />;
  else if (path === "/start") page = <Start session={session} />;
  else if (path === "/office/profile") page = <OfficeProfile session={session} />;
  else if (/^\/office\/employees(\/(new|\d+))?$/.test(path))
    page = <OfficeEmployees session={session} path={path} />;
  else if (path === "/office/absence") page = <OfficeAbsence session={session} />;
  else if (path === "/office/dashboard") page = <OfficeDashboard session={session} />;
  else if (path === "/office/calendar") page = <OfficeCalendar session={session} />;
  else if (path === "/office/callers") page = <OfficeCallers session={session} />;
  else if (path === "/office/oncall") page = <OfficeOncall session={session} />;
  else if (path === "/office/notes") page = <OfficeNotes session={session} />;
  else if (/^\/admin(\/|$)/.test(path)) page = <Admin session={session} path={path} />;
  else page = <NotFound />;
  return (
    <Shell session={session} path={path} onLogout={doLogout}>
      {page}
    </Shell>
  );
}
