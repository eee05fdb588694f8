/*
 * device.c: device options matched to the guest's manifest, then attached.
 *
 * Names always come from the manifest: an option names an entry, and
 * every entry that declares a device must be named by one option.
 */
#include <stdio.h>
#include <string.h>

#include "errf.h"
#include "tender.h"

static const struct device_ops *const kinds[] = {&block_ops, &net_ops};

static const struct device_ops *ops_of_kind(enum dev_kind kind)
{
    return kind == DEV_BLOCK ? &block_ops : &net_ops;
}

static const struct device_ops *ops_of_type(uint32_t type)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i]->mft_type == type)
            return kinds[i];
    return NULL;
}

static int bind_one(struct tender *t, const struct dev_opt *opt, char *err,
                    size_t errlen)
{
    const struct device_ops *ops = ops_of_kind(opt->kind);
    const char *option = cmdline_kind_option(opt->kind);
    struct mft_entry *e = mft_find(t->mft, opt->name, ops->mft_type);
    struct device *d;

    if (e == NULL) {
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
            if (kinds[i] != ops && mft_find(t->mft, opt->name,
                                            kinds[i]->mft_type))
                return errf(err, errlen, "%s:%s: '%s' is a %s device in "
                            "%s's manifest, not %s", option, opt->name,
                            opt->name, kinds[i]->type_name, t->opts.kernel,
                            ops->type_name);
        return errf(err, errlen, "%s:%s: %s's manifest declares no %s "
                    "device named '%s'", option, opt->name, t->opts.kernel,
                    ops->type_name, opt->name);
    }
    d = &t->dev[t->ndev++];
    d->ops = ops;
    d->opt = opt;
    d->entry = e;
    d->index = (unsigned)(e - t->mft->e);
    d->fd = -1;
    d->max_io = t->block_max_io;
    return 0;
}

static bool entry_bound(const struct tender *t, const struct mft_entry *e)
{
    for (unsigned i = 0; i < t->ndev; i++)
        if (t->dev[i].entry == e)
            return true;
    return false;
}

static bool entry_missing(const struct tender *t, const struct mft_entry *e)
{
    return e->type < MFT_RESERVED_FIRST && !entry_bound(t, e);
}

/* One line naming every declared device that no option attaches. */
static int missing_report(const struct tender *t, char *err, size_t errlen)
{
    unsigned missing = 0;
    size_t len;

    for (unsigned i = 1; i < t->mft->entries; i++)
        missing += entry_missing(t, &t->mft->e[i]);
    if (missing == 0)
        return 0;
    len = (size_t)snprintf(err, errlen, "%s's manifest declares devices "
                           "that are not attached:", t->opts.kernel);
    for (unsigned i = 1; i < t->mft->entries && len < errlen; i++) {
        const struct mft_entry *e = &t->mft->e[i];
        const struct device_ops *ops = ops_of_type(e->type);

        if (entry_missing(t, e))
            len += (size_t)snprintf(err + len, errlen - len, " %s:%s=%s",
                                    cmdline_kind_option(ops->kind), e->name,
                                    ops->value_hint);
    }
    return -1;
}

int devices_bind(struct tender *t, char *err, size_t errlen)
{
    for (unsigned i = 0; i < t->opts.ndev; i++)
        if (bind_one(t, &t->opts.dev[i], err, errlen) == -1)
            return -1;
    return missing_report(t, err, errlen);
}

int devices_attach(struct tender *t, char *err, size_t errlen)
{
    for (unsigned i = 0; i < t->ndev; i++) {
        struct device *d = &t->dev[i];

        if (d->ops->attach(d, err, errlen) == -1)
            return -1;
        d->entry->b.hostfd = d->fd;
        d->entry->attached = true;
    }
    return 0;
}

int devices_add_rules(const struct tender *t, struct policy *p)
{
    for (unsigned i = 0; i < t->ndev; i++)
        if (t->dev[i].ops->add_rules(&t->dev[i], p) == -1)
            return -1;
    return 0;
}
