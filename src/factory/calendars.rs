//! The calendars in one replication: a part that knows, for each calendar
//! in use, whether it is on shift now, and tells the plant when that
//! changes.
//!
//! Each calendar that a station, crew, pool or the fleet uses has one
//! pending event, its next shift change ([`Event::Shift`]): at it the part
//! flips the calendar's state, schedules the change after, and returns
//! [`Effect::Shift`], which the plant applies to everything on that
//! calendar (work in process pauses and resumes, preempt-resume, like a
//! failure). A calendar no one uses schedules nothing. The cost is one
//! event per shift change, none per job.
//!
//! ```text
//! 06:00 Shift(day) ──calendars──▶ [Shift { day, on: true }]
//!   apply: stations on `day` take up their paused work; pools grant
//!          waiting servers; the fleet's AGVs move again
//! ```

use super::event::{Ctx, Effect, Event};
use crate::engine::{EventQueue, SimTime};
use crate::model::{CalendarId, Model};

pub(super) struct CalendarsRt {
    /// Per calendar, whether it is on shift now.
    on: Vec<bool>,
}

impl CalendarsRt {
    /// The calendars at time 0, with the first change of each calendar in
    /// use scheduled.
    pub fn new(model: &Model, queue: &mut EventQueue<Event>) -> CalendarsRt {
        let mut used = vec![false; model.calendars.len()];
        let mut mark = |calendar: Option<CalendarId>| {
            if let Some(c) = calendar {
                used[c] = true;
            }
        };
        model.stations.iter().for_each(|s| mark(s.calendar));
        model.crews.iter().for_each(|c| mark(c.calendar));
        model.pools.iter().for_each(|p| mark(p.calendar));
        mark(model.fleet.as_ref().and_then(|f| f.calendar));
        for (calendar, spec) in model.calendars.iter().enumerate() {
            if !used[calendar] {
                continue;
            }
            if let Some(first) = spec.next_change(SimTime::ZERO) {
                queue.schedule(
                    first,
                    Event::Shift {
                        calendar: calendar as u32,
                    },
                );
            }
        }
        CalendarsRt {
            on: model.calendars.iter().map(|c| c.is_on(SimTime::ZERO)).collect(),
        }
    }

    /// Whether `calendar` is on shift now.
    pub fn is_on(&self, calendar: CalendarId) -> bool {
        self.on[calendar]
    }

    /// A shift change of `calendar` ([`Event::Shift`]).
    pub fn on_change(&mut self, calendar: CalendarId, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let spec = &ctx.model.calendars[calendar];
        let on = !self.on[calendar];
        self.on[calendar] = on;
        debug_assert_eq!(on, spec.is_on(ctx.now), "a change flips the calendar");
        if let Some(next) = spec.next_change(ctx.now) {
            ctx.queue.schedule(
                next,
                Event::Shift {
                    calendar: calendar as u32,
                },
            );
        }
        ctx.trace_line(
            || format!("calendar:{}", spec.name),
            "state",
            || if on { "on_shift" } else { "off_shift" }.to_string(),
        );
        out.push(Effect::Shift { calendar, on });
    }
}
