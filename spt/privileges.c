/*
 * privileges.c: what the guest's process may do as a user.
 *
 * Called once every device is open. Started as root, the tender drops
 * every capability (and with --x-user switches to that user and group,
 * with no supplementary groups); the guest then cannot regain any:
 * no_new_privs is set with the allowlist and execve is not allowed.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "errf.h"
#include "tender.h"

/* "UID" or "UID:GID", decimal numbers without sign or spaces. */
static int user_numeric(const char *s, uid_t *uid, gid_t *gid)
{
    char uid_text[16];
    const char *colon = strchr(s, ':');
    size_t len = colon ? (size_t)(colon - s) : strlen(s);
    uint64_t u, g;

    if (len >= sizeof uid_text)
        return -1;
    memcpy(uid_text, s, len);
    uid_text[len] = '\0';
    /* (uid_t)-1 means "unchanged" to setresuid: not a user. */
    if (cmdline_parse_number(uid_text, 0xfffffffeU, &u) == -1)
        return -1;
    g = u;
    if (colon && cmdline_parse_number(colon + 1, 0xfffffffeU, &g) == -1)
        return -1;
    *uid = (uid_t)u;
    *gid = (gid_t)g;
    return 0;
}

/*
 * A name from /etc/passwd, read with fgetpwent (no NSS: the tender is
 * static). The file's bytes pass through a buffer on our stack, which is
 * scrubbed before the jump, not through the heap.
 */
static int user_lookup(const char *name, uid_t *uid, gid_t *gid)
{
    char buf[8192];
    struct passwd *pw;
    int rc = -1;
    FILE *f;

    f = fopen("/etc/passwd", "re");
    if (f == NULL)
        return -1;
    setvbuf(f, buf, _IOFBF, sizeof buf);
    while ((pw = fgetpwent(f)) != NULL)
        if (strcmp(pw->pw_name, name) == 0) {
            *uid = pw->pw_uid;
            *gid = pw->pw_gid;
            rc = 0;
            break;
        }
    fclose(f);
    explicit_bzero(buf, sizeof buf);
    return rc;
}

/*
 * The bounding and ambient sets, while we still may (CAP_SETPCAP); a
 * process without capabilities has nothing there to drop anyway.
 */
static int caps_bound_drop(void)
{
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    /* Dropping a capability not in the set is no error, and the number
     * past the last one is EINVAL: no need to read the set first. */
    for (int cap = 0;; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
            continue;
        if (errno == EINVAL || errno == EPERM) /* the end, or not ours */
            return 0;
        return -1;
    }
}

/*
 * Our own three sets, emptied and read back: -1 with errno when a call
 * fails, 1 when capabilities are left in effective or permitted.
 */
static int caps_drop(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];

    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) == -1 ||
        syscall(SYS_capget, &hdr, data) == -1)
        return -1;
    if (data[0].effective || data[0].permitted || data[1].effective ||
        data[1].permitted)
        return 1;
    return 0;
}

int privileges_resolve(const char *user, struct spt_user *out, char *err,
                       size_t errlen)
{
    out->given = user != NULL;
    if (user && user_numeric(user, &out->uid, &out->gid) == -1 &&
        user_lookup(user, &out->uid, &out->gid) == -1)
        return errf(err, errlen, "--x-user=%s: no such user in /etc/passwd "
                    "(give a name or UID[:GID])", user);
    return 0;
}

int privileges_drop(const struct spt_user *user, char *err, size_t errlen)
{
    int rc;

    if (caps_bound_drop() == -1)
        goto fail;
    if (user->given && (setgroups(0, NULL) == -1 && errno != EPERM))
        goto fail;
    if (user->given && (setresgid(user->gid, user->gid, user->gid) == -1 ||
                        setresuid(user->uid, user->uid, user->uid) == -1))
        return errf(err, errlen, "--x-user: cannot switch to uid %u, gid "
                    "%u: %s", (unsigned)user->uid, (unsigned)user->gid,
                    strerror(errno));
    rc = caps_drop();
    if (rc == 1)
        return errf(err, errlen, "cannot drop privileges: capabilities are "
                    "still there after dropping them");
    if (rc == -1)
        goto fail;
    return 0;
fail:
    return errf(err, errlen, "cannot drop privileges: %s", strerror(errno));
}
