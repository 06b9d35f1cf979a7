// The operator's administration (issue 19, "the operator runs the
// service"): what each of its screens shows and edits, read by the generic
// list and form of admin.tsx.  The fields and their rules are the API's
// (docs/api.md); the server checks them, the page only shows its answer at
// the field it names.
import { tDyn } from "../i18n";

/* the list of one kind of record, for a choice: its path under /api/v1
 * (with the tenant when it is the tenant's) */
export type RefOf = (form: Record<string, FormValue>) => string | null;

/* members: [employee id, tier] pairs */
export type FormValue = string | boolean | number[] | [number, number][];

export interface FieldDef {
  name: string;
  kind: "text" | "int" | "bool" | "select" | "password" | "ref" | "members" | "skills" | "tuples";
  keys?: string[]; // tuples: the keys of each object, written "a b c, a b c"
  options?: string[]; // select: the API's values (labels admin.opt.<name>.<value>)
  ref?: RefOf; // ref, members: where the choices come from
  refNone?: boolean; // ref: "none" (null) is a choice
  fixed?: boolean; // set once by POST (docs/api.md "fixed")
  hint?: boolean; // a hint under the field (admin.hint.<res>.<name>)
  def?: boolean; // bool: the value of a new record (the API's default)
  opts?: string; // select: the labels' key when not the field's name
  nullAs?: string; // select: the option that stands for null
}

export interface ColumnDef {
  name: string;
  show?: (row: Row, names: Names) => string;
}

export type Row = Record<string, unknown>;
/* the names of referenced records: "/queues" -> id -> name */
export type Names = Map<string, Map<number, string>>;

export interface ResourceDef {
  key: "tenants" | "number_blocks" | "numbers" | "devices" | "trunks" | "queues" | "agents";
  path: string; // under /api/v1
  idOf: (r: Row) => number;
  create: boolean;
  remove: boolean;
  columns: ColumnDef[];
  fields: FieldDef[];
  refs: (rows: Row[]) => string[]; // lists whose names the list shows
}

const tenant: RefOf = () => "/tenants";
const ofTenant =
  (p: string): RefOf =>
  (f) =>
    f.tenant_id ? `${p}?tenant_id=${f.tenant_id}` : null;

/* where a number's target_type points */
export const TARGETS: Record<string, string> = {
  employee: "/employees",
  announcement: "/announcements",
  schedule: "/schedules",
  ivr: "/ivr_menus",
  voicemail: "/mailboxes",
  external: "/external_targets",
  digit_input: "/digit_inputs",
  ring_group: "/ring_groups",
  queue: "/queues",
};

const nameIn = (names: Names, path: string, id: unknown): string =>
  typeof id === "number" ? names.get(path)?.get(id) ?? `#${id}` : "";
const tenantCol: ColumnDef = {
  name: "tenant_id",
  show: (r, n) => nameIn(n, "/tenants", r.tenant_id),
};
const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

export const RESOURCES: ResourceDef[] = [
  {
    key: "tenants",
    path: "/tenants",
    idOf: (r) => r.id as number,
    create: true,
    remove: true,
    columns: [
      { name: "name" },
      { name: "central_number" },
      { name: "language", show: (r) => str(r.language).toUpperCase() },
    ],
    fields: [
      { name: "name", kind: "text" },
      { name: "language", kind: "select", options: ["de", "en"] },
      { name: "country_code", kind: "text" },
      { name: "area_code", kind: "text", hint: true },
      { name: "central_number", kind: "text" },
    ],
    refs: () => [],
  },
  {
    key: "number_blocks",
    path: "/number_blocks",
    idOf: (r) => r.id as number,
    create: true,
    remove: true,
    columns: [{ name: "first" }, { name: "last" }, { name: "size" }, tenantCol],
    fields: [
      { name: "tenant_id", kind: "ref", ref: tenant, fixed: true },
      { name: "first", kind: "text", fixed: true, hint: true },
      { name: "last", kind: "text", fixed: true },
    ],
    refs: () => ["/tenants"],
  },
  {
    key: "numbers",
    path: "/numbers",
    idOf: (r) => r.id as number,
    create: true,
    remove: true,
    columns: [
      { name: "e164" },
      tenantCol,
      {
        name: "target_type",
        show: (r, n) =>
          r.target_type === "none"
            ? "—"
            : `${tDyn(`admin.opt.target_type.${str(r.target_type)}`)}: ${nameIn(n, TARGETS[str(r.target_type)] ?? "", r.target_id)}`,
      },
      { name: "active", show: (r) => (r.active ? "✓" : "✗") },
      { name: "description" },
    ],
    fields: [
      { name: "tenant_id", kind: "ref", ref: tenant, fixed: true },
      { name: "e164", kind: "text", fixed: true, hint: true },
      { name: "target_type", kind: "select", options: ["none", ...Object.keys(TARGETS)] },
      {
        name: "target_id",
        kind: "ref",
        refNone: true,
        ref: (f) => {
          const p = TARGETS[String(f.target_type)];
          return p && f.tenant_id ? `${p}?tenant_id=${f.tenant_id}` : null;
        },
      },
      { name: "active", kind: "bool" },
      { name: "forwarded_calls", kind: "bool" },
      { name: "description", kind: "text" },
    ],
    refs: (rows) => [
      "/tenants",
      ...new Set(rows.map((r) => TARGETS[str(r.target_type)]).filter((p) => p)),
    ],
  },
  {
    key: "devices",
    path: "/devices",
    idOf: (r) => r.id as number,
    create: true,
    remove: true,
    columns: [
      { name: "username" },
      { name: "name" },
      tenantCol,
      { name: "employee_id", show: (r, n) => nameIn(n, "/employees", r.employee_id) },
      { name: "srtp", show: (r) => tDyn(`admin.opt.srtp.${str(r.srtp)}`) },
    ],
    fields: [
      { name: "tenant_id", kind: "ref", ref: tenant, fixed: true },
      { name: "employee_id", kind: "ref", ref: ofTenant("/employees"), refNone: true },
      { name: "username", kind: "text" },
      { name: "password", kind: "password", hint: true },
      { name: "name", kind: "text" },
      { name: "srtp", kind: "select", options: ["auto", "off", "optional", "required"] },
    ],
    refs: () => ["/tenants", "/employees"],
  },
  {
    key: "trunks",
    path: "/trunks",
    idOf: (r) => r.id as number,
    create: true,
    remove: true,
    columns: [
      { name: "name" },
      { name: "host", show: (r) => `${str(r.host)}:${str(r.port)} (${str(r.transport)})` },
      { name: "tenant_id", show: (r, n) => (r.tenant_id === null ? "*" : nameIn(n, "/tenants", r.tenant_id)) },
      {
        name: "registration",
        show: (r) => {
          const g = r.registration as { state?: string } | null;
          return g && g.state ? g.state : "—";
        },
      },
    ],
    fields: [
      { name: "name", kind: "text" },
      { name: "tenant_id", kind: "ref", ref: tenant, refNone: true, hint: true },
      { name: "host", kind: "text" },
      { name: "port", kind: "int" },
      { name: "transport", kind: "select", options: ["udp", "tcp", "tls"] },
      { name: "match_any_port", kind: "bool" },
      { name: "register", kind: "bool" },
      { name: "username", kind: "text" },
      { name: "password", kind: "password", hint: true },
      { name: "auth_user", kind: "text" },
      { name: "registrar", kind: "text" },
      { name: "domain", kind: "text" },
      { name: "from_user", kind: "text" },
      { name: "expires", kind: "int" },
    ],
    refs: () => ["/tenants"],
  },
  {
    key: "queues",
    path: "/queues",
    idOf: (r) => r.id as number,
    create: true,
    remove: true,
    columns: [
      { name: "name" },
      tenantCol,
      { name: "strategy", show: (r) => tDyn(`admin.opt.strategy.${str(r.strategy)}`) },
      {
        name: "members",
        show: (r, n) =>
          ((r.members as { employee_id: number }[]) ?? [])
            .map((m) => nameIn(n, "/employees", m.employee_id))
            .join(", "),
      },
    ],
    fields: [
      { name: "tenant_id", kind: "ref", ref: tenant, fixed: true },
      { name: "name", kind: "text" },
      {
        name: "strategy",
        kind: "select",
        options: ["longest_idle", "ring_all", "round_robin", "fewest_calls", "skills"],
      },
      { name: "members", kind: "members", ref: ofTenant("/employees") },
      { name: "ring_timeout", kind: "int" },
      { name: "wrapup", kind: "int" },
      { name: "max_misses", kind: "int" },
      { name: "max_wait", kind: "int" },
      { name: "max_len", kind: "int" },
      { name: "service_level", kind: "int" },
      { name: "callback", kind: "bool" },
      { name: "skills", kind: "tuples", keys: ["skill", "min_level", "relax_after"], hint: true },
      { name: "widen", kind: "tuples", keys: ["after", "max_tier"], hint: true },
      { name: "mailbox_id", kind: "ref", refNone: true, ref: ofTenant("/mailboxes") },
      { name: "schedule_id", kind: "ref", refNone: true, ref: ofTenant("/schedules") },
      { name: "greeting", kind: "text", hint: true },
      { name: "announce_every", kind: "int" },
      { name: "say_position", kind: "bool", def: true },
      { name: "say_wait", kind: "bool", def: true },
      ...["no_agents", "timeout", "full", "closed"].flatMap((w): FieldDef[] => [
        {
          name: `${w}_type`,
          kind: "select",
          options: ["none", ...Object.keys(TARGETS)],
          opts: "target_type",
          nullAs: "none",
        },
        {
          name: `${w}_id`,
          kind: "ref",
          refNone: true,
          ref: (f) => {
            const p = TARGETS[String(f[`${w}_type`])];
            return p && f.tenant_id ? `${p}?tenant_id=${f.tenant_id}` : null;
          },
        },
      ]),
      { name: "pool", kind: "bool" },
    ],
    refs: () => ["/tenants", "/employees"],
  },
  {
    key: "agents",
    path: "/agents",
    idOf: (r) => r.employee_id as number,
    create: false,
    remove: false,
    columns: [
      { name: "name" },
      tenantCol,
      { name: "state", show: (r) => tDyn(`agent.state.${str(r.state)}`) },
      {
        name: "skills",
        show: (r) =>
          ((r.skills as { name: string; level: number }[]) ?? [])
            .map((s) => `${s.name} ${s.level}`)
            .join(", "),
      },
    ],
    fields: [{ name: "skills", kind: "skills", hint: true }],
    refs: () => ["/tenants"],
  },
];
