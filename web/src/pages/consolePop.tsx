// The screen pop of the agent console: the client's context for the call
// offered to this agent, shown before he answers (issue 19, H2): greeting
// with his name, instructions or the standard text, VIP info and the call
// guide, the digits the caller typed, the employees with what holds for
// them now, the FAQ.  The note form is beside it (consoleNote.tsx).
import type { ComponentChildren } from "preact";
import { fmt, t, tDyn } from "../i18n";
import type { Pop } from "./consoleTypes";

function Block({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: ComponentChildren;
}) {
  return (
    <section class="cs-block" aria-labelledby={`${id}-h`} id={id}>
      <h3 id={`${id}-h`}>{title}</h3>
      {children}
    </section>
  );
}

export type CallState = "ringing" | "answered" | "ended";

export function PopView({ pop, call }: { pop: Pop; call: CallState }) {
  const collected = Object.entries(pop.collected ?? {});
  return (
    <div class="cs-pop">
      <div class="cs-pop-head">
        <h2 id="pop-client">{pop.tenant.name}</h2>
        <p class="cs-caller">
          <span class="muted">{t("console.pop.caller")} </span>
          <span id="pop-caller">
            {pop.caller.anonymous || !pop.caller.number
              ? t("console.pop.anonymous")
              : pop.caller.number}
          </span>
          <span
            id="pop-call-state"
            class={`cs-badge ${call}`}
            aria-live="polite"
          >
            {call === "ringing"
              ? t("console.pop.ringing")
              : call === "answered"
                ? t("console.pop.answered")
                : t("console.pop.ended")}
          </span>
        </p>
      </div>
      {pop.vip && (
        <div class="cs-vip" id="pop-vip" role="note">
          <strong>{t("console.pop.vip")}</strong> {pop.vip.name}
          {pop.vip.note ? ` – ${pop.vip.note}` : ""}
          {pop.vip.employee
            ? ` (${t("console.pop.vip_of", { name: pop.vip.employee.name })})`
            : ""}
        </div>
      )}
      <Block id="pop-greeting-block" title={t("console.pop.greeting")}>
        <p class="cs-greeting" id="pop-greeting">
          {pop.greeting ?? t("console.pop.no_profile")}
        </p>
      </Block>
      {(pop.instructions || pop.standard_text) && (
        <Block id="pop-instr-block" title={t("console.pop.instructions")}>
          {pop.instructions && (
            <p class="cs-pre" id="pop-instructions">
              {pop.instructions}
            </p>
          )}
          {pop.standard_text && (
            <p class="cs-standard" id="pop-standard">
              <span class="muted">{t("console.pop.standard")} </span>
              {pop.standard_text}
            </p>
          )}
        </Block>
      )}
      {pop.call_guide && (
        <Block
          id="pop-guide-block"
          title={
            pop.call_guide_vip
              ? t("console.pop.guide_vip")
              : t("console.pop.guide")
          }
        >
          <p class="cs-pre" id="pop-guide">
            {pop.call_guide}
          </p>
        </Block>
      )}
      {collected.length > 0 && (
        <Block id="pop-collected-block" title={t("console.pop.collected")}>
          <dl class="cs-dl" id="pop-collected">
            {collected.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd data-label={k}>{v}</dd>
              </div>
            ))}
          </dl>
        </Block>
      )}
      <Block id="pop-emp-block" title={t("console.pop.employees")}>
        {pop.employees.length === 0 ? (
          <p class="muted">{t("console.pop.no_employees")}</p>
        ) : (
          <table id="pop-employees">
            <thead>
              <tr>
                <th scope="col">{t("console.emp.name")}</th>
                <th scope="col">{t("console.emp.position")}</th>
                <th scope="col">{t("console.emp.extension")}</th>
                <th scope="col">{t("console.emp.transfer")}</th>
                <th scope="col">{t("console.emp.now")}</th>
              </tr>
            </thead>
            <tbody>
              {pop.employees.map((e) => (
                <tr key={e.id} data-employee-id={e.id}>
                  <th scope="row">{e.name}</th>
                  <td>
                    {[e.position, e.responsibility].filter(Boolean).join(" – ")}
                  </td>
                  <td>{e.extension}</td>
                  <td>
                    {tDyn(`console.transfer.${e.transfer}`)}
                    {e.substitute && (
                      <div class="muted">
                        {t("console.emp.substitute", {
                          name: e.substitute.name,
                        })}
                      </div>
                    )}
                  </td>
                  <td data-col="now">
                    {e.availability && e.availability.text ? (
                      <>
                        {e.availability.text}
                        {e.availability.until && (
                          <span class="muted">
                            {" "}
                            {t("console.emp.until", {
                              time: fmt.dateTime(
                                Date.parse(e.availability.until),
                              ),
                            })}
                          </span>
                        )}
                      </>
                    ) : (
                      <span class="muted">{t("console.emp.present")}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Block>
      {pop.faq && pop.faq.length > 0 && (
        <Block id="pop-faq-block" title={t("console.pop.faq")}>
          <dl class="cs-faq" id="pop-faq">
            {pop.faq.map((f, i) => (
              <div key={i}>
                <dt>{f.question}</dt>
                <dd>{f.answer}</dd>
              </div>
            ))}
          </dl>
        </Block>
      )}
    </div>
  );
}
