/* limits.c — thread-local deadlines and box areas; see limits.h. */
#include "gis/limits.h"

#include <math.h>
#include <time.h>

static _Thread_local double deadline_at; /* 0: none */
static _Thread_local int deadline_hit;

double limits_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void limits_deadline_set(double at)
{
    deadline_at = at > 0 ? at : 0;
    deadline_hit = 0;
}

void limits_deadline_clear(void) { limits_deadline_set(0); }

int limits_deadline_passed(void)
{
    if (deadline_hit)
        return 1;
    if (deadline_at <= 0 || limits_now() < deadline_at)
        return 0;
    deadline_hit = 1;
    return 1;
}

int limits_deadline_hit(void) { return deadline_hit; }

int limits_sqlite_progress(void *unused)
{
    (void)unused;
    return deadline_at > 0 && limits_deadline_passed();
}

double limits_bbox_km2(const double bbox[4])
{
    /* CGCS2000 semi-major axis (GB/T 18522 / the CGCS2000 definition), km. */
    const double r = 6378.137, rad = M_PI / 180.0;
    double dlon = fabs(bbox[2] - bbox[0]);
    if (dlon > 360)
        dlon = 360;
    double s = fabs(sin(bbox[3] * rad) - sin(bbox[1] * rad));
    return r * r * dlon * rad * s;
}
