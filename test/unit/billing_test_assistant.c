/*
 * billing_test_assistant.c - the assistants' phone tasks of seeds/000
 * (billing.h, assistant.c): the 15-minute threshold per working hour
 * (exactly 15 min per hour is included, 15 min + 1 s is not), the seed's
 * example 3 h x 1.3 = 234 min, each area's factor, and the EU numbers
 * (a number outside the EU is an individual offer).
 */
#include <re.h>
#include "billing/billing.h"
#include "test.h"

int test_billing_task_threshold(void)
{
	struct billing_task_month m;
	int err = 0;

	TEST_EQ_INT(billing_task_rate(BILLING_AREAS, 60, 0, &m), EINVAL);
	TEST_EQ_INT(billing_task_rate(BILLING_AREA_BACKOFFICE_DE, 60, 0, NULL),
		    EINVAL);
	/* 1 h booked, exactly 15 min phoned: included, billed 60 min */
	TEST_EQ_INT(
	    billing_task_rate(BILLING_AREA_BACKOFFICE_DE, 60, 15 * 60, &m), 0);
	TEST_EQ_INT(m.included_s, 900);
	TEST_EQ_INT(m.phone_s_per_h, 900);
	TEST_ASSERT(!m.passed);
	TEST_ASSERT(!m.factor_applied);
	TEST_EQ_INT(m.billed_mmin, 60000);
	/* 15 min + 1 s: passed, 60 min x 1.2 = 72 min */
	TEST_EQ_INT(
	    billing_task_rate(BILLING_AREA_BACKOFFICE_DE, 60, 15 * 60 + 1, &m),
	    0);
	TEST_ASSERT(m.passed);
	TEST_ASSERT(m.factor_applied);
	TEST_EQ_INT(m.factor_pm, 1200);
	TEST_EQ_INT(m.billed_mmin, 72000);
	/* 3 h booked: 45 min phoning included, 45 min + 1 s is not */
	TEST_EQ_INT(billing_task_rate(BILLING_AREA_SALES_DE, 180, 45 * 60, &m),
		    0);
	TEST_ASSERT(!m.passed);
	TEST_EQ_INT(m.billed_mmin, 180000);
	TEST_EQ_INT(
	    billing_task_rate(BILLING_AREA_SALES_DE, 180, 45 * 60 + 1, &m), 0);
	TEST_ASSERT(m.passed);
	TEST_EQ_INT(m.billed_mmin, 360000);
	/* nothing phoned, nothing booked: 0, not passed */
	TEST_EQ_INT(billing_task_rate(BILLING_AREA_SALES_EU, 0, 0, &m), 0);
	TEST_ASSERT(!m.passed);
	TEST_EQ_INT(m.billed_mmin, 0);
	/* phoned without booked time: passed (the report shows it) */
	TEST_EQ_INT(billing_task_rate(BILLING_AREA_SALES_EU, 0, 30, &m), 0);
	TEST_ASSERT(m.passed);
	TEST_EQ_INT(m.phone_s_per_h, 30);
	TEST_EQ_INT(m.billed_mmin, 0);
out:
	return err;
}

int test_billing_task_seed(void)
{
	struct billing_task_month m;
	int err = 0;

	/* seeds/000: 3 h effective working time = 180 min x 1.3 (Telefonie
	 * EU) = 234 min (3:54 h, the seed rounds it up to "3:55") */
	TEST_EQ_INT(
	    billing_task_rate(BILLING_AREA_BACKOFFICE_EU, 180, 2 * 3600, &m),
	    0);
	TEST_ASSERT(m.passed);
	TEST_ASSERT(m.factor_applied);
	TEST_EQ_INT(m.phone_s_per_h, 2400); /* 40 min per working hour */
	TEST_EQ_INT(m.billed_mmin, 234000);
	TEST_EQ_INT(m.billed_mmin / 1000, 234);
	TEST_EQ_INT(m.billed_mmin % 1000, 0);
out:
	return err;
}

int test_billing_task_areas(void)
{
	static const struct {
		const char *name;
		uint32_t factor_pm;
		uint64_t billed_mmin; /* 60 min booked, 16 min phoned */
	} v[] = {
	    {"backoffice_de", 1200, 72000},
	    {"backoffice_eu", 1300, 78000},
	    {"sales_de", 2000, 120000},
	    {"sales_eu", 2100, 126000},
	};
	struct billing_task_month m;
	enum billing_area a;
	size_t i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		TEST_EQ_INT(billing_area_parse(v[i].name, &a), 0);
		TEST_EQ_STR(billing_area_name(a), v[i].name);
		TEST_EQ_INT(billing_area_factor(a), v[i].factor_pm);
		TEST_EQ_INT(billing_task_rate(a, 60, 16 * 60, &m), 0);
		TEST_EQ_INT(m.billed_mmin, v[i].billed_mmin);
	}
	TEST_EQ_INT(billing_area_parse("sales_us", &a), EINVAL);
	TEST_EQ_INT(billing_area_parse(NULL, &a), EINVAL);
	TEST_ASSERT(!billing_area_name(BILLING_AREAS));
	TEST_EQ_INT(billing_area_factor(BILLING_AREAS), 0);
out:
	return err;
}

int test_billing_eu_number(void)
{
	int err = 0;

	/* in the EU: Germany, Austria, France, Finland, Malta, Croatia */
	TEST_ASSERT(billing_eu_number("+4922182829980"));
	TEST_ASSERT(billing_eu_number("+4315123456"));
	TEST_ASSERT(billing_eu_number("+33142685300"));
	TEST_ASSERT(billing_eu_number("+358912345678"));
	TEST_ASSERT(billing_eu_number("+35621234567"));
	TEST_ASSERT(billing_eu_number("+38514567890"));
	/* outside: Switzerland, the UK, the US, Norway, Turkey, Réunion */
	TEST_ASSERT(!billing_eu_number("+41441234567"));
	TEST_ASSERT(!billing_eu_number("+442071234567"));
	TEST_ASSERT(!billing_eu_number("+12125551234"));
	TEST_ASSERT(!billing_eu_number("+4722123456"));
	TEST_ASSERT(!billing_eu_number("+902121234567"));
	TEST_ASSERT(!billing_eu_number("+262262123456"));
	/* not E.164 */
	TEST_ASSERT(!billing_eu_number("004922182829980"));
	TEST_ASSERT(!billing_eu_number("+49abc"));
	TEST_ASSERT(!billing_eu_number(""));
	TEST_ASSERT(!billing_eu_number(NULL));
out:
	return err;
}
