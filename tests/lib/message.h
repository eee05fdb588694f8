/*
 * message.h: what "one line" means for a message the tender prints as
 * "solo5-spt: <msg>": not empty, and no control character at all (a
 * newline would start another line, an escape sequence could rewrite the
 * terminal's). Header-only, for the fuzz harnesses as for cmocka tests.
 */
#ifndef SPT_TEST_MESSAGE_H
#define SPT_TEST_MESSAGE_H

#include <stdbool.h>

static inline bool message_is_one_line(const char *msg)
{
    if (msg[0] == '\0')
        return false;
    for (const char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* In a cmocka test: fail, showing the message, unless it is one line. */
#define assert_one_line(msg)                                                   \
    do {                                                                       \
        const char *msg_ = (msg);                                              \
        if (!message_is_one_line(msg_))                                        \
            fail_msg("not one line of text: '%s'", msg_);                      \
    } while (0)

#endif /* SPT_TEST_MESSAGE_H */
