/*
 * test.h - the unit test runner's table and assertion macros.  Each test is
 * an int (void) function returning 0 on success; TEST_ASSERT prints the
 * failing expression with file and line and makes the test fail.
 */
#ifndef SWITCHBOARD_TEST_H
#define SWITCHBOARD_TEST_H

#include <stdio.h>
#include <string.h>

/* What a test returns when it does not apply here (main.c: "skip"). */
#define TEST_SKIP (-77)

#define TEST_ASSERT(c)                                                         \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "  %s:%d: assertion failed: %s\n",     \
				__FILE__, __LINE__, #c);                       \
			err = err ? err : 1;                                   \
			goto out;                                              \
		}                                                              \
	} while (0)

#define TEST_EQ_INT(a, b)                                                      \
	do {                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);            \
		if (_a != _b) {                                                \
			fprintf(stderr, "  %s:%d: %s == %lld, want %lld\n",    \
				__FILE__, __LINE__, #a, _a, _b);               \
			err = err ? err : 1;                                   \
			goto out;                                              \
		}                                                              \
	} while (0)

#define TEST_EQ_STR(a, b)                                                      \
	do {                                                                   \
		const char *_a = (a), *_b = (b);                               \
		if (strcmp(_a, _b)) {                                          \
			fprintf(stderr,                                        \
				"  %s:%d: %s == \"%s\", want \"%s\"\n",        \
				__FILE__, __LINE__, #a, _a, _b);               \
			err = err ? err : 1;                                   \
			goto out;                                              \
		}                                                              \
	} while (0)

/* One line per test below; keep it sorted by area. */
#define TEST_LIST(X)                                                           \
	X(test_phone_normalise)                                                \
	X(test_time_iso)                                                       \
	X(test_config)                                                         \
	X(test_tmr_order)                                                      \
	X(test_event_bus)                                                      \
	X(test_sdnotify)                                                       \
	X(test_store_open)                                                     \
	X(test_store_db)                                                       \
	X(test_store_backup_busy)                                              \
	X(test_store_names)                                                    \
	X(test_store_durability)                                               \
	X(test_store_migrate)                                                  \
	X(test_store_migrate_v2)                                               \
	X(test_store_migrate_v4)                                               \
	X(test_store_tenant)                                                   \
	X(test_store_employee)                                                 \
	X(test_store_device)                                                   \
	X(test_store_block)                                                    \
	X(test_store_number)                                                   \
	X(test_store_personal)                                                 \
	X(test_store_announcement)                                             \
	X(test_store_trunk)                                                    \
	X(test_store_trunk_register)                                           \
	X(test_store_trunk_failover)                                           \
	X(test_store_reg)                                                      \
	X(test_store_reg_fields)                                               \
	X(test_store_call)                                                     \
	X(test_store_call_vars)                                                \
	X(test_store_digit_input)                                              \
	X(test_store_call_close)                                               \
	X(test_store_outbox)                                                   \
	X(test_store_outbox_states)                                            \
	X(test_store_outbox_receipt)                                           \
	X(test_notify_sms_id)                                                  \
	X(test_store_voicemail)                                                \
	X(test_route_mailbox)                                                  \
	X(test_store_token)                                                    \
	X(test_store_lease)                                                    \
	X(test_store_take)                                                     \
	X(test_store_tx_stats)                                                 \
	X(test_store_user)                                                     \
	X(test_store_login_failure)                                            \
	X(test_store_consult)                                                  \
	X(test_store_demo)                                                     \
	X(test_store_nested)                                                   \
	X(test_store_oom)                                                      \
	X(test_node_start)                                                     \
	X(test_node_leases)                                                    \
	X(test_store_node_events)                                              \
	X(test_store_listen_nonblocking)                                       \
	X(test_node_events_codec)                                              \
	X(test_node_events_follow)                                             \
	X(test_node_events_should_write)                                       \
	X(test_notify_backoff)                                                 \
	X(test_notify_judge)                                                   \
	X(test_notify_addr)                                                    \
	X(test_notify_dest)                                                    \
	X(test_notify_sign)                                                    \
	X(test_notify_note_rows)                                               \
	X(test_push_encrypt_rfc8291)                                           \
	X(test_push_keys)                                                      \
	X(test_push_vapid_jwt)                                                 \
	X(test_notify_push)                                                    \
	X(test_store_push)                                                     \
	X(test_store_note_esc)                                                 \
	X(test_media_g711)                                                     \
	X(test_media_srtp_vectors)                                             \
	X(test_media_relay)                                                    \
	X(test_media_player)                                                   \
	X(test_media_player_g711)                                              \
	X(test_media_prompt_forget)                                            \
	X(test_media_wav)                                                      \
	X(test_media_latch)                                                    \
	X(test_media_srtp)                                                     \
	X(test_media_sdes)                                                     \
	X(test_media_thread)                                                   \
	X(test_media_dtmf_recv)                                                \
	X(test_media_dtmf_leg)                                                 \
	X(test_media_webrtc_rules)                                             \
	X(test_media_webrtc_leg)                                               \
	X(test_media_webrtc_dtls)                                              \
	X(test_media_inband)                                                   \
	X(test_media_inband_talkoff)                                           \
	X(test_media_inband_leg)                                               \
	X(test_media_phrase)                                                   \
	X(test_media_speech)                                                   \
	X(test_time_berlin)                                                    \
	X(test_time_easter)                                                    \
	X(test_route_holiday)                                                  \
	X(test_route_holiday_list)                                             \
	X(test_sec_names)                                                      \
	X(test_sec_fields)                                                     \
	X(test_sec_substitutes)                                                \
	X(test_sec_csv_parse)                                                  \
	X(test_sec_csv_import)                                                 \
	X(test_route_sched_hours)                                              \
	X(test_route_sched_dst)                                                \
	X(test_route_sched_exceptions)                                         \
	X(test_route_sched_always)                                             \
	X(test_route_sched_check)                                              \
	X(test_store_schedule)                                                 \
	X(test_store_ring_group)                                               \
	X(test_store_queue)                                                    \
	X(test_store_vip)                                                      \
	X(test_time_berlin_utc)                                                \
	X(test_secr_availability)                                              \
	X(test_secr_oncall_rotation)                                           \
	X(test_secr_oncall_override)                                           \
	X(test_secr_oncall_period)                                             \
	X(test_secr_oncall_summary)                                            \
	X(test_store_availability)                                             \
	X(test_secr_caller_number)                                             \
	X(test_secr_caller_decide)                                             \
	X(test_store_callers)                                                  \
	X(test_profile_greeting)                                               \
	X(test_profile_at)                                                     \
	X(test_profile_carry)                                                  \
	X(test_media_rec_g711)                                                 \
	X(test_media_rec_end)                                                  \
	X(test_acd_ring_all)                                                   \
	X(test_acd_round_robin)                                                \
	X(test_acd_longest_idle)                                               \
	X(test_acd_fewest_calls)                                               \
	X(test_acd_skills_widen)                                               \
	X(test_acd_tier_widen)                                                 \
	X(test_acd_order)                                                      \
	X(test_acd_miss_pause)                                                 \
	X(test_acd_wrapup)                                                     \
	X(test_acd_limits)                                                     \
	X(test_acd_waiting)                                                    \
	X(test_acd_never_busy)                                                 \
	X(test_acd_withdraw)                                                   \
	X(test_acd_offer_to)                                                   \
	X(test_acd_offer_drop)                                                 \
	X(test_store_acd_rows)                                                 \
	X(test_store_acd_changes)                                              \
	X(test_acd_stats)                                                      \
	X(test_route_device)                                                   \
	X(test_route_trunk)                                                    \
	X(test_route_trunk_registered)                                         \
	X(test_route_external)                                                 \
	X(test_call_bridge)                                                    \
	X(test_call_dial_fail)                                                 \
	X(test_call_reject)                                                    \
	X(test_call_feature)                                                   \
	X(test_call_queue_unpause)                                             \
	X(test_call_queue_claimed)                                             \
	X(test_call_ivr)                                                       \
	X(test_call_sequential)                                                \
	X(test_call_menu)                                                      \
	X(test_call_digit_twice)                                               \
	X(test_call_reroute_limit)                                             \
	X(test_call_collect)                                                   \
	X(test_call_collect_fail)                                              \
	X(test_call_ring_group)                                                \
	X(test_call_ring_group_sequential)                                     \
	X(test_call_ring_group_busy)                                           \
	X(test_call_ring_group_fallback)                                       \
	X(test_call_ring_group_transfer)                                       \
	X(test_call_record)                                                    \
	X(test_call_record_end)                                                \
	X(test_call_voicemail)                                                 \
	X(test_call_vm_employee)                                               \
	X(test_voicemail_mail)                                                 \
	X(test_call_transfer_refer)                                            \
	X(test_call_transfer_busy)                                             \
	X(test_call_transfer_refuse)                                           \
	X(test_call_transfer_app)                                              \
	X(test_acd_est_wait)                                                   \
	X(test_acd_est_learn)                                                  \
	X(test_acd_est_say)                                                    \
	X(test_acd_wait_announce)                                              \
	X(test_acd_wait_busy)                                                  \
	X(test_acd_wait_callback)                                              \
	X(test_call_events)                                                    \
	X(test_call_attended_refer)                                            \
	X(test_call_attended_invite)                                           \
	X(test_call_attended_consult)                                          \
	X(test_call_transfer_target)                                           \
	X(test_call_originate)                                                 \
	X(test_call_originate_fail)                                            \
	X(test_call_click)                                                     \
	X(test_acd_callback)                                                   \
	X(test_guard_window)                                                   \
	X(test_guard_block)                                                    \
	X(test_guard_user)                                                     \
	X(test_guard_throttle)                                                 \
	X(test_guard_pair)                                                     \
	X(test_guard_evict)                                                    \
	X(test_guard_disabled)                                                 \
	X(test_auth_nc)                                                        \
	X(test_auth_nc_slabs)                                                  \
	X(test_sip_info_digit)                                                 \
	X(test_sip_dial_collected)                                             \
	X(test_sip_edge_parse)                                                 \
	X(test_sip_edge_real)                                                  \
	X(test_sip_path_collect)                                               \
	X(test_sip_path_routes)                                                \
	X(test_sip_fingerprint_norm)                                           \
	X(test_ws_handshake)                                                   \
	X(test_ws_frame_write)                                                 \
	X(test_ws_frame_read)                                                  \
	X(test_web_cookie)                                                     \
	X(test_web_csrf)                                                       \
	X(test_web_origin)                                                     \
	X(test_web_path)                                                       \
	X(test_web_csv)                                                        \
	X(test_token_scope)                                                    \
	X(test_token_expiry)                                                   \
	X(test_store_token_scope)                                              \
	X(test_purge_timer_deletion)                                           \
	X(test_purge_timer_retention)                                          \
	X(test_purge_timer_interval)                                           \
	X(test_billing_rate)                                                   \
	X(test_billing_round)                                                  \
	X(test_billing_month)                                                  \
	X(test_billing_tariff_change)                                          \
	X(test_billing_pending)                                                \
	X(test_billing_trial)                                                  \
	X(test_billing_month_sum)                                              \
	X(test_billing_store)                                                  \
	X(test_billing_invoice_number)                                         \
	X(test_billing_invoice_credit)                                         \
	X(test_billing_invoice_pdf)                                            \
	X(test_billing_task_threshold)                                         \
	X(test_billing_task_seed)                                              \
	X(test_billing_task_areas)                                             \
	X(test_billing_task_rate_pm)                                           \
	X(test_billing_task_report)                                            \
	X(test_billing_eu_number)

/* weak: a partial build (make unit-part) links only some areas */
#define X(name) int name(void) __attribute__((weak));
TEST_LIST(X)
#undef X

#endif
