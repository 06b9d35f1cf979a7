// The data of the agent console (issue 19, H2) as the API gives it: the
// agent (GET /api/v1/agents/:id) and the screen pop (the "pop" event of
// class "queue", GET /api/v1/calls/:id/pop).
export interface AgentQueue {
  queue_id: number;
  name: string;
  tier: number;
}
export interface Agent {
  employee_id: number;
  tenant_id: number;
  name: string;
  state: string;
  reason: string | null;
  since: string | null;
  wrapup_until: string | null;
  queue_id: number | null;
  calls: number;
  queues: AgentQueue[];
}
export interface NoteField {
  label: string;
  type: string;
  required: boolean;
  fixed: boolean;
  choices?: string[];
}
export interface PopEmployee {
  id: number;
  name: string;
  position: string;
  responsibility: string;
  extension: string;
  transfer: "none" | "all" | "vip";
  substitute: { id: number; name: string } | null;
  availability: {
    source: "appointment" | "absence_info" | "none";
    text: string | null;
    until: string | null;
  } | null;
}
export interface Pop {
  record_id: number;
  queue_id: number | null;
  agent_id: number;
  at: string;
  tenant: { id: number; name: string };
  caller: { number: string | null; anonymous: boolean };
  version_id: number | null;
  version: number | null;
  greeting: string | null;
  instructions: string | null;
  transfer: boolean | null;
  standard_text: string | null;
  faq: { question: string; answer: string }[] | null;
  note_fields: NoteField[] | null;
  call_guide: string | null;
  call_guide_vip: boolean;
  vip: {
    name: string;
    note: string;
    employee: { id: number; name: string } | null;
  } | null;
  collected: Record<string, string>;
  employees: PopEmployee[];
}

/* The fixed fields of the note form and the body keys they fill. */
export const FIXED: Record<string, "caller_name" | "caller_number" | "concern"> =
  {
    Name: "caller_name",
    Telefonnummer: "caller_number",
    Anliegen: "concern",
  };
