/*
 * device.c: device options matched to the guest's manifest, then attached.
 *
 * Names always come from the manifest: an option names an entry, and
 * every entry that declares a device must be named by one option.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include "errf.h"
#include "tender.h"

extern const struct device_ops block_ops, net_ops;

/* The device kinds: adding one is a file of its own and a line here. */
const struct device_ops *const device_kinds[] = {
    &block_ops,
    &net_ops,
    NULL,
};

int device_refuse(struct device *d, char *err, size_t errlen, const char *fmt,
                  ...)
{
    va_list ap;

    va_start(ap, fmt);
    vdevopt_errf(d->opt, err, errlen, fmt, ap);
    va_end(ap);
    /* What we opened goes (a tap we made goes with it); an @FD stays the
     * operator's. */
    if (d->fd >= 0 && d->fd != d->opt->fd)
        close(d->fd);
    d->fd = -1;
    return -1;
}

static const struct device_ops *kind_of_type(uint32_t type)
{
    for (const struct device_ops *const *k = device_kinds; *k; k++)
        if ((*k)->mft_type == type)
            return *k;
    return NULL;
}

/* The option names an entry of another kind, or none at all. */
static int bind_refuse(const struct tender *t, const struct dev_opt *opt,
                       char *err, size_t errlen)
{
    const char *option = opt->ops->option;
    const char *want = mft_type_name(opt->ops->mft_type);

    for (const struct device_ops *const *k = device_kinds; *k; k++)
        if (*k != opt->ops && mft_find(t->mft, opt->name, (*k)->mft_type))
            return errf(err, errlen, "%s:%s: '%s' is a %s device in %s's "
                        "manifest, not %s", option, opt->name, opt->name,
                        mft_type_name((*k)->mft_type), t->opts.kernel, want);
    return errf(err, errlen, "%s:%s: %s's manifest declares no %s device "
                "named '%s'", option, opt->name, t->opts.kernel, want,
                opt->name);
}

static int bind_one(struct tender *t, const struct dev_opt *opt, char *err,
                    size_t errlen)
{
    struct mft_entry *e = mft_find(t->mft, opt->name, opt->ops->mft_type);
    struct device *d;

    if (e == NULL)
        return bind_refuse(t, opt, err, errlen);
    d = &t->devices[t->ndevices++];
    *d = (struct device){.ops = opt->ops,
                         .opt = opt,
                         .entry = e,
                         .index = (unsigned)(e - t->mft->e),
                         .fd = -1};
    return 0;
}

static bool entry_bound(const struct tender *t, const struct mft_entry *e)
{
    for (unsigned i = 0; i < t->ndevices; i++)
        if (t->devices[i].entry == e)
            return true;
    return false;
}

static bool entry_missing(const struct tender *t, const struct mft_entry *e)
{
    return e->type < MFT_RESERVED_FIRST && !entry_bound(t, e);
}

/*
 * A guest word that looks like an option attaching entry e: the operator
 * probably wrote it after KERNEL, where it is the guest's, not ours.
 */
static const char *misplaced_option(const struct tender *t,
                                    const struct mft_entry *e)
{
    const struct device_ops *ops = kind_of_type(e->type);

    for (int i = 0; ops && i < t->opts.guest_argc; i++)
        if (cmdline_attaches(t->opts.guest_argv[i], ops, e->name))
            return t->opts.guest_argv[i];
    return NULL;
}

/* One line naming every declared device that no option attaches. */
static int missing_report(const struct tender *t, char *err, size_t errlen)
{
    const char *word = NULL;
    unsigned missing = 0;
    size_t len;

    for (unsigned i = 1; i < t->mft->entries; i++)
        missing += entry_missing(t, &t->mft->e[i]);
    if (missing == 0)
        return 0;
    errf(err, errlen, "%s's manifest declares devices that are not "
         "attached:", t->opts.kernel);
    for (unsigned i = 1; i < t->mft->entries; i++) {
        const struct mft_entry *e = &t->mft->e[i];
        const struct device_ops *ops = kind_of_type(e->type);

        if (!entry_missing(t, e) || ops == NULL)
            continue;
        len = strlen(err);
        errf(err + len, errlen - len, " %s:%s=%s", ops->option, e->name,
             ops->value_hint);
        if (word == NULL)
            word = misplaced_option(t, e);
    }
    len = strlen(err);
    if (word)
        errf(err + len, errlen - len, " ('%s' comes after KERNEL, so it is "
             "one of the guest's words: options go before KERNEL)", word);
    return -1;
}

int devices_bind(struct tender *t, char *err, size_t errlen)
{
    for (unsigned i = 0; i < t->opts.ndevopt; i++)
        if (bind_one(t, &t->opts.devopt[i], err, errlen) == -1)
            return -1;
    return missing_report(t, err, errlen);
}

int devices_attach(struct tender *t, char *err, size_t errlen)
{
    for (unsigned i = 0; i < t->ndevices; i++) {
        struct device *d = &t->devices[i];

        if (d->ops->attach(d, err, errlen) == -1)
            return -1;
        d->entry->b.hostfd = d->fd;
        d->entry->attached = true;
    }
    return 0;
}

int devices_add_rules(const struct tender *t, struct policy *p)
{
    for (unsigned i = 0; i < t->ndevices; i++) {
        int rc = t->devices[i].ops->add_rules(&t->devices[i], &t->opts, p);

        if (rc < 0)
            return rc;
    }
    return 0;
}
