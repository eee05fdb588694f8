/*
 * fmt.c: a small printf for freestanding guests.
 */
#include "bindings.h"

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    int width;
    int left;
    char fill;
};

static void put_str(struct out *o, const char *s, size_t n,
                    const struct spec *sp)
{
    if (!sp->left)
        pad(o, ' ', sp->width - (int)n);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (sp->left)
        pad(o, ' ', sp->width - (int)n);
}

static void put_num(struct out *o, unsigned long long v, int neg,
                    unsigned base, int upper, const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0, len;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    len = n + neg;
    if (!sp->left && sp->fill == ' ')
        pad(o, ' ', sp->width - len);
    if (neg)
        put(o, '-');
    if (!sp->left && sp->fill == '0')
        pad(o, '0', sp->width - len);
    while (n > 0)
        put(o, tmp[--n]);
    if (sp->left)
        pad(o, ' ', sp->width - len);
}

/*
 * Read the argument of the given length: -2 char (hh), -1 short (h), 0 int,
 * 1 long, 2 long long. char and short arrive promoted to int.
 */
static unsigned long long arg_unsigned(va_list *ap, int lng)
{
    if (lng >= 2)
        return va_arg(*ap, unsigned long long);
    if (lng == 1)
        return va_arg(*ap, unsigned long);
    if (lng == -1)
        return (unsigned short)va_arg(*ap, unsigned int);
    if (lng <= -2)
        return (unsigned char)va_arg(*ap, unsigned int);
    return va_arg(*ap, unsigned int);
}

static long long arg_signed(va_list *ap, int lng)
{
    if (lng >= 2)
        return va_arg(*ap, long long);
    if (lng == 1)
        return va_arg(*ap, long);
    if (lng == -1)
        return (short)va_arg(*ap, int);
    if (lng <= -2)
        return (signed char)va_arg(*ap, int);
    return va_arg(*ap, int);
}

static const char *conversion(struct out *o, const char *f, va_list *ap)
{
    struct spec sp = {0, 0, ' '};
    int lng = 0;

    for (;; f++) {
        if (*f == '-')
            sp.left = 1;
        else if (*f == '0')
            sp.fill = '0';
        else
            break;
    }
    while (*f >= '0' && *f <= '9')
        sp.width = sp.width * 10 + (*f++ - '0');
    for (;; f++) {
        if (*f == 'l')
            lng++;
        else if (*f == 'z')
            lng = 1;
        else if (*f == 'h')
            lng--;
        else
            break;
    }
    switch (*f) {
    case 'd':
    case 'i': {
        long long v = arg_signed(ap, lng);
        unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v
                                       : (unsigned long long)v;

        put_num(o, mag, v < 0, 10, 0, &sp);
        break;
    }
    case 'u':
        put_num(o, arg_unsigned(ap, lng), 0, 10, 0, &sp);
        break;
    case 'x':
    case 'X':
        put_num(o, arg_unsigned(ap, lng), 0, 16, *f == 'X', &sp);
        break;
    case 'o':
        put_num(o, arg_unsigned(ap, lng), 0, 8, 0, &sp);
        break;
    case 'p':
        put(o, '0');
        put(o, 'x');
        put_num(o, (uintptr_t)va_arg(*ap, void *), 0, 16, 0, &sp);
        break;
    case 'c': {
        char c = (char)va_arg(*ap, int);

        put_str(o, &c, 1, &sp);
        break;
    }
    case 's': {
        const char *s = va_arg(*ap, const char *);

        if (s == NULL)
            s = "(null)";
        put_str(o, s, spt_strlen(s), &sp);
        break;
    }
    case '%':
        put(o, '%');
        break;
    default: /* unknown conversion: print it as is */
        put(o, '%');
        if (*f == '\0')
            return f;
        put(o, *f);
        break;
    }
    return f + 1;
}

int spt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    va_list aq;

    va_copy(aq, ap);
    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt = conversion(&o, fmt + 1, &aq);
    }
    va_end(aq);
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int spt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = spt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int spt_printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = spt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    solo5_console_write(buf, n < (int)sizeof buf ? (size_t)n
                                                 : sizeof buf - 1);
    return n;
}
