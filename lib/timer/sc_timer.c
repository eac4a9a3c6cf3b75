/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical timing wheel, 4 levels of 256 slots (32 bits of ticks: 71 minutes at
 * a 1 us tick, 12.7 days at 256 us, 49.7 days at 1 ms) plus an overflow list beyond.
 *
 * Placement is absolute: with cur the next tick to run, a timer due at tick e goes
 * to the level of the highest 8-bit group in which e and cur differ, in the slot
 * named by e's value of that group. So every timer of level k shares cur's groups
 * above k, and its slot is above cur's group k (level 0: at or above cur's group 0).
 * When cur reaches a multiple of 256^k the level-k slot of cur's group k becomes
 * current and its timers are re-placed (cascaded), landing exactly by tick: there
 * is no rounding at any level, so cascading keeps the one-tick bound.
 *
 * Because set slots always lie ahead of cur, the next thing to do is the lowest set
 * bit of the lowest non-empty level: advance jumps straight to it, so a jump of
 * hours over an idle wheel costs a few bit scans, not one step per tick.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sc_timer.h"

/*
 * 8 bits a level: with a 1 ms tick the SIP range 0.5 .. 32 s (T1 .. 64*T1) sits on
 * level 1 and is cascaded once before it fires; each cascade walks a list through
 * records spread over memory, so levels are the cost that matters.
 */
#define LEVEL_BITS	8
#define LEVEL_SLOTS	(1u << LEVEL_BITS)
#define LEVEL_MASK	(LEVEL_SLOTS - 1)
#define LEVEL_WORDS	(LEVEL_SLOTS / 64)
#define NUM_LEVELS	4
#define WHEEL_BITS	(LEVEL_BITS * NUM_LEVELS)
#define NUM_SLOTS	(NUM_LEVELS * LEVEL_SLOTS)
/* Returned by next_event() for the overflow list and for "nothing armed". */
#define LEVEL_OVERFLOW	NUM_LEVELS
#define LEVEL_NONE	(NUM_LEVELS + 1)

struct sc_timer_wheel {
	uint64_t cur;			/* next tick to run; all ticks before it have run */
	uint64_t now_us;		/* time of the last advance */
	uint64_t armed;
	uint64_t occupied[NUM_LEVELS][LEVEL_WORDS];	/* bit set: that slot non-empty */
	uint64_t overflow_min;		/* lower bound of ticks on the overflow list */
	uint32_t tick_us;
	bool running;			/* inside advance: refuse to nest */
	/*
	 * Earliest armed tick, as last found by next_us: kept across advances that
	 * fire nothing (cascades move timers, they do not change the minimum), so an
	 * idle loop asking next_us does not rescan a crowded far slot every time.
	 */
	bool min_valid;
	uint64_t min_tick;
	/* List heads are sentinel timers: circular, empty when pointing to themselves. */
	struct sc_timer pending;	/* armed at or before a tick already run */
	struct sc_timer overflow;	/* beyond 2^WHEEL_BITS ticks from cur */
	struct sc_timer slots[NUM_SLOTS];
};

static inline void
list_init(struct sc_timer *head)
{
	head->next = head;
	head->prev = head;
}

static inline bool
list_empty(const struct sc_timer *head)
{
	return head->next == head;
}

static inline void
list_append(struct sc_timer *head, struct sc_timer *tim)
{
	tim->next = head;
	tim->prev = head->prev;
	head->prev->next = tim;
	head->prev = tim;
}

/* Move every timer of src to the empty list dst (which may live on the stack). */
static inline void
list_splice(struct sc_timer *src, struct sc_timer *dst)
{
	if (list_empty(src)) {
		list_init(dst);
		return;
	}
	dst->next = src->next;
	dst->prev = src->prev;
	dst->next->prev = dst;
	dst->prev->next = dst;
	list_init(src);
}

static inline void
bit_set(struct sc_timer_wheel *w, unsigned int level, unsigned int slot)
{
	w->occupied[level][slot / 64] |= 1ULL << (slot % 64);
}

static inline void
bit_clear(struct sc_timer_wheel *w, unsigned int level, unsigned int slot)
{
	w->occupied[level][slot / 64] &= ~(1ULL << (slot % 64));
}

static inline bool
bit_test(const struct sc_timer_wheel *w, unsigned int level, unsigned int slot)
{
	return (w->occupied[level][slot / 64] >> (slot % 64)) & 1;
}

/* Lowest occupied slot of a level, or -1. */
static inline int
bit_lowest(const struct sc_timer_wheel *w, unsigned int level)
{
	unsigned int i;

	for (i = 0; i < LEVEL_WORDS; i++)
		if (w->occupied[level][i] != 0)
			return (int)(i * 64) + __builtin_ctzll(w->occupied[level][i]);
	return -1;
}

/* Index of head in w->slots, or -1 when head is another list (pending, overflow, stack). */
static inline long
slot_index(const struct sc_timer_wheel *w, const struct sc_timer *head)
{
	uintptr_t p = (uintptr_t)head;
	uintptr_t base = (uintptr_t)w->slots;

	if (p < base || p >= base + sizeof(w->slots))
		return -1;
	return (long)((p - base) / sizeof(w->slots[0]));
}

static inline void
unlink_timer(struct sc_timer_wheel *w, struct sc_timer *tim)
{
	struct sc_timer *prev = tim->prev;
	struct sc_timer *next = tim->next;

	prev->next = next;
	next->prev = prev;
	tim->next = NULL;
	tim->prev = NULL;
	/* The list is now empty only when both neighbours are its head. */
	if (prev == next) {
		long idx = slot_index(w, prev);

		if (idx >= 0)
			bit_clear(w, (unsigned int)idx / LEVEL_SLOTS, (unsigned int)idx % LEVEL_SLOTS);
	}
}

/* Level that tick e belongs to relative to cur (NUM_LEVELS: overflow). */
static inline unsigned int
level_of(uint64_t e, uint64_t cur)
{
	uint64_t diff = e ^ cur;

	if (diff == 0)
		return 0;
	return (unsigned int)(63 - __builtin_clzll(diff)) / LEVEL_BITS;
}

static void
place(struct sc_timer_wheel *w, struct sc_timer *tim)
{
	uint64_t e = tim->expire_tick;
	unsigned int level;
	unsigned int slot;

	if (e < w->cur) {
		list_append(&w->pending, tim);
		return;
	}
	level = level_of(e, w->cur);
	if (level >= NUM_LEVELS) {
		if (e < w->overflow_min)
			w->overflow_min = e;
		list_append(&w->overflow, tim);
		return;
	}
	slot = (unsigned int)(e >> (level * LEVEL_BITS)) & LEVEL_MASK;
	bit_set(w, level, slot);
	list_append(&w->slots[level * LEVEL_SLOTS + slot], tim);
}

/*
 * Re-place every timer of head (relative to the current cur). No callback runs here,
 * so the detached chain is walked from both ends at once: two independent pointer
 * chases through records spread over memory overlap their cache misses.
 */
static void
replace_all(struct sc_timer_wheel *w, struct sc_timer *head)
{
	struct sc_timer local;
	struct sc_timer *f;
	struct sc_timer *b;

	list_splice(head, &local);
	f = local.next;
	b = local.prev;
	while (f != &local) {
		struct sc_timer *fn = f->next;
		struct sc_timer *bp = b->prev;

		if (f == b) {
			place(w, f);
			break;
		}
		__builtin_prefetch(fn);
		__builtin_prefetch(bp);
		place(w, f);
		place(w, b);
		if (fn == b)
			break;
		f = fn;
		b = bp;
	}
}

/*
 * Move cur to t (never past a tick that has work) and cascade the slots that t
 * makes current, highest level first so their timers can drop several levels.
 */
static void
set_cur(struct sc_timer_wheel *w, uint64_t t)
{
	unsigned int level;

	w->cur = t;
	if ((t & LEVEL_MASK) != 0)
		return;
	if ((t & ((1ULL << WHEEL_BITS) - 1)) == 0 && !list_empty(&w->overflow) &&
	    (w->overflow_min >> WHEEL_BITS) <= (t >> WHEEL_BITS)) {
		w->overflow_min = UINT64_MAX;
		replace_all(w, &w->overflow);
	}
	for (level = NUM_LEVELS - 1; level >= 1; level--) {
		unsigned int shift = level * LEVEL_BITS;
		unsigned int slot;

		if ((t & ((1ULL << shift) - 1)) != 0)
			continue;
		slot = (unsigned int)(t >> shift) & LEVEL_MASK;
		if (!bit_test(w, level, slot))
			continue;
		bit_clear(w, level, slot);
		replace_all(w, &w->slots[level * LEVEL_SLOTS + slot]);
	}
}

/*
 * The next tick at which something happens, and at which level (LEVEL_NONE when
 * nothing is armed on the wheel). Slots in use always lie ahead of cur, and
 * anything on level k happens before anything on level k+1, so the lowest set bit
 * of the lowest non-empty level is the answer.
 */
static uint64_t
next_event(const struct sc_timer_wheel *w, unsigned int *level_out)
{
	unsigned int level;

	for (level = 0; level < NUM_LEVELS; level++) {
		int slot = bit_lowest(w, level);
		unsigned int shift = level * LEVEL_BITS;
		uint64_t base;

		if (slot < 0)
			continue;
		base = w->cur & ~((1ULL << (shift + LEVEL_BITS)) - 1);
		*level_out = level;
		return base | ((uint64_t)slot << shift);
	}
	if (!list_empty(&w->overflow)) {
		uint64_t next_block = ((w->cur >> WHEEL_BITS) + 1) << WHEEL_BITS;
		uint64_t min_block = (w->overflow_min >> WHEEL_BITS) << WHEEL_BITS;

		*level_out = LEVEL_OVERFLOW;
		return min_block > next_block ? min_block : next_block;
	}
	*level_out = LEVEL_NONE;
	return UINT64_MAX;
}

struct sc_timer_wheel *
sc_timer_wheel_create(uint32_t tick_us, uint64_t now_us)
{
	struct sc_timer_wheel *w;
	unsigned int i;

	if (tick_us == 0) {
		errno = EINVAL;
		return NULL;
	}
	w = aligned_alloc(64, sc_timer_wheel_footprint());
	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->tick_us = tick_us;
	w->now_us = now_us;
	/* Ticks up to and including the one now_us falls in count as run. */
	w->cur = now_us / tick_us + 1;
	w->overflow_min = UINT64_MAX;
	list_init(&w->pending);
	list_init(&w->overflow);
	for (i = 0; i < NUM_SLOTS; i++)
		list_init(&w->slots[i]);
	return w;
}

size_t
sc_timer_wheel_footprint(void)
{
	return (sizeof(struct sc_timer_wheel) + 63) & ~(size_t)63;
}

void
sc_timer_wheel_free(struct sc_timer_wheel *w)
{
	free(w);
}

void
sc_timer_arm(struct sc_timer_wheel *w, struct sc_timer *tim, uint64_t expire_us,
	     sc_timer_cb_t cb, void *arg)
{
	if (tim->prev != NULL) {
		unlink_timer(w, tim);
		if (tim->expire_tick == w->min_tick)
			w->min_valid = false;
	} else {
		w->armed++;
	}
	/* Round up: firing at the tick that starts at or after the deadline is never early. */
	tim->expire_tick = expire_us / w->tick_us + (expire_us % w->tick_us != 0);
	/* Pending timers make next_us 0 by themselves: the cache covers the wheel only. */
	if (tim->expire_tick >= w->cur && tim->expire_tick < w->min_tick)
		w->min_tick = tim->expire_tick;
	tim->cb = cb;
	tim->arg = arg;
	place(w, tim);
}

void
sc_timer_cancel(struct sc_timer_wheel *w, struct sc_timer *tim)
{
	if (tim->prev == NULL)
		return;
	unlink_timer(w, tim);
	w->armed--;
	if (tim->expire_tick == w->min_tick)
		w->min_valid = false;
}

/*
 * Fire every timer of a list that was moved to the stack. Callbacks may cancel or
 * re-arm any timer, including the ones still waiting here: each is unlinked from
 * this list before it runs, and the others stay linked so cancel finds them.
 * Timers are taken from both ends in turn, with the next of each end prefetched,
 * so two chases through memory are in flight (order inside a tick is not promised).
 */
static unsigned int
fire_list(struct sc_timer_wheel *w, struct sc_timer *local)
{
	unsigned int fired = 0;
	bool back = false;

	while (!list_empty(local)) {
		struct sc_timer *tim = back ? local->prev : local->next;

		back = !back;
		unlink_timer(w, tim);
		__builtin_prefetch(local->next);
		__builtin_prefetch(local->prev);
		w->armed--;
		fired++;
		w->min_valid = false;
		tim->cb(tim, tim->arg);
	}
	return fired;
}

unsigned int
sc_timer_wheel_advance(struct sc_timer_wheel *w, uint64_t now_us)
{
	struct sc_timer local;
	unsigned int fired = 0;
	uint64_t target;

	if (w->running)
		return 0;
	w->running = true;
	if (now_us < w->now_us)
		now_us = w->now_us;
	w->now_us = now_us;
	target = now_us / w->tick_us;
	if (target == UINT64_MAX)
		target--;

	/* Timers armed in the past; any they arm in the past wait for the next call. */
	if (!list_empty(&w->pending)) {
		list_splice(&w->pending, &local);
		fired += fire_list(w, &local);
	}

	for (;;) {
		unsigned int level;
		uint64_t t = next_event(w, &level);

		if (t > target) {
			if (w->cur <= target)
				set_cur(w, target + 1);
			break;
		}
		if (level == 0) {
			struct sc_timer *head = &w->slots[t & LEVEL_MASK];

			bit_clear(w, 0, (unsigned int)(t & LEVEL_MASK));
			list_splice(head, &local);
			/* Tick t is now run: callbacks arming for t or earlier go to pending. */
			set_cur(w, t + 1);
			fired += fire_list(w, &local);
		} else {
			set_cur(w, t);
		}
	}
	w->running = false;
	return fired;
}

uint64_t
sc_timer_wheel_armed(const struct sc_timer_wheel *w)
{
	return w->armed;
}

uint64_t
sc_timer_wheel_now_us(const struct sc_timer_wheel *w)
{
	return w->now_us;
}

uint32_t
sc_timer_wheel_tick_us(const struct sc_timer_wheel *w)
{
	return w->tick_us;
}

static uint64_t
list_min_tick(const struct sc_timer *head)
{
	const struct sc_timer *tim;
	uint64_t min = UINT64_MAX;

	for (tim = head->next; tim != head; tim = tim->next)
		if (tim->expire_tick < min)
			min = tim->expire_tick;
	return min;
}

uint64_t
sc_timer_wheel_next_us(const struct sc_timer_wheel *cw)
{
	/* Only the cache changes; every wheel is a non-const object from create. */
	struct sc_timer_wheel *w = (struct sc_timer_wheel *)(uintptr_t)cw;
	unsigned int level;
	uint64_t t;
	uint64_t due_us;

	if (!list_empty(&w->pending))
		return 0;
	if (w->armed == 0)
		return UINT64_MAX;
	if (w->min_valid) {
		t = w->min_tick;
	} else {
		t = next_event(w, &level);
		if (level == LEVEL_NONE)	/* from a callback: only timers being run */
			return UINT64_MAX;
		if (level == LEVEL_OVERFLOW) {
			t = list_min_tick(&w->overflow);
		} else if (level > 0) {
			unsigned int slot = (unsigned int)(t >> (level * LEVEL_BITS)) & LEVEL_MASK;

			t = list_min_tick(&w->slots[level * LEVEL_SLOTS + slot]);
		}
		w->min_tick = t;
		w->min_valid = true;
	}
	if (t > UINT64_MAX / w->tick_us)
		return UINT64_MAX - w->now_us;
	due_us = t * w->tick_us;
	return due_us > w->now_us ? due_us - w->now_us : 0;
}

static int
audit_list(const struct sc_timer *head, uint64_t *count)
{
	const struct sc_timer *tim;

	if (head->next->prev != head || head->prev->next != head)
		return -EFAULT;
	for (tim = head->next; tim != head; tim = tim->next) {
		if (tim->prev == NULL || tim->next->prev != tim)
			return -EFAULT;
		(*count)++;
	}
	return 0;
}

int
sc_timer_wheel_audit(const struct sc_timer_wheel *w)
{
	const struct sc_timer *tim;
	uint64_t min = list_min_tick(&w->overflow);
	uint64_t count = 0;
	unsigned int level;
	unsigned int slot;

	if (audit_list(&w->pending, &count) != 0 || audit_list(&w->overflow, &count) != 0)
		return -EFAULT;
	for (tim = w->pending.next; tim != &w->pending; tim = tim->next)
		if (tim->expire_tick >= w->cur)
			return -EFAULT;
	for (tim = w->overflow.next; tim != &w->overflow; tim = tim->next)
		if (level_of(tim->expire_tick, w->cur) < NUM_LEVELS ||
		    tim->expire_tick < w->overflow_min)
			return -EFAULT;
	for (level = 0; level < NUM_LEVELS; level++) {
		unsigned int shift = level * LEVEL_BITS;
		unsigned int cur_group = (unsigned int)(w->cur >> shift) & LEVEL_MASK;

		for (slot = 0; slot < LEVEL_SLOTS; slot++) {
			const struct sc_timer *head = &w->slots[level * LEVEL_SLOTS + slot];
			bool bit = bit_test(w, level, slot);

			if (bit == list_empty(head))
				return -EFAULT;
			if (audit_list(head, &count) != 0)
				return -EFAULT;
			if (!bit)
				continue;
			/* Set slots lie ahead of cur: strictly above level 0. */
			if (slot < cur_group || (level > 0 && slot == cur_group))
				return -EFAULT;
			if (list_min_tick(head) < min)
				min = list_min_tick(head);
			for (tim = head->next; tim != head; tim = tim->next)
				if (tim->expire_tick < w->cur ||
				    level_of(tim->expire_tick, w->cur) != level ||
				    ((tim->expire_tick >> shift) & LEVEL_MASK) != slot)
					return -EFAULT;
		}
	}
	if (w->min_valid && w->min_tick != min)
		return -EFAULT;
	return count == w->armed ? 0 : -EFAULT;
}

static uint64_t
virtual_now_us(const struct sc_clock *clk)
{
	/* clock is the first member, so the pointer is the virtual clock's. */
	return ((const struct sc_virtual_clock *)clk)->now_us;
}

void
sc_virtual_clock_init(struct sc_virtual_clock *vc, uint64_t start_us)
{
	vc->clock.now_us = virtual_now_us;
	vc->clock.ctx = vc;
	vc->now_us = start_us;
}

void
sc_virtual_clock_set(struct sc_virtual_clock *vc, uint64_t now_us)
{
	if (now_us > vc->now_us)
		vc->now_us = now_us;
}

void
sc_virtual_clock_advance(struct sc_virtual_clock *vc, uint64_t delta_us)
{
	vc->now_us += delta_us;
}
