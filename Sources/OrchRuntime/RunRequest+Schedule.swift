import Foundation
import OrchExecution
import OrchSchedule

extension RunRequest {
    /// A run of `schedule`'s pipeline as the schedule asks for it (its params,
    /// selection and alert): a tick, a backfilled time or `orch trigger`.
    public init(schedule: ScheduleSpec, trigger: RunTrigger, logicalTime: Date) {
        self.init(pipelinePath: schedule.pipeline)
        params = schedule.params
        select = schedule.select
        self.trigger = trigger
        self.logicalTime = logicalTime
        onFailure = schedule.onFailure
    }
}
