// Observers (docs/output-format.md): the in-memory trajectory recorder.
#include "powershift/engine/observer.hpp"

#include "powershift/engine/schema.hpp"

namespace powershift {

void TrajectoryRecorder::on_record(const RecordView& v) {
  auto& tr = trajectory_;
  const int R = v.world.R;
  const int A = v.world.A;
  tr.R = R;
  tr.A = A;
  tr.steps.push_back(v.metrics.step);
  tr.days.push_back(v.metrics.day);
  // Every field and step metric of the schema, each appended to its trajectory vector.
  for (const auto& var : schema::variables()) {
    if (var.group == schema::Group::Field) {
      const Field& f = var.record(v);
      auto& dst = tr.*var.f32;
      dst.insert(dst.end(), f.data(), f.data() + f.size());
    } else if (var.group == schema::Group::StepMetric) {
      auto& dst = tr.*var.f64;
      if (var.metric.per_actor != nullptr) {
        const auto& src = v.metrics.*var.metric.per_actor;
        dst.insert(dst.end(), src.begin(), src.end());
      } else {
        dst.push_back(v.metrics.*var.metric.scalar);
      }
    }
  }
}

void TrajectoryRecorder::on_events(const std::vector<LoggedEvent>& events) {
  trajectory_.events.insert(trajectory_.events.end(), events.begin(), events.end());
}

void TrajectoryRecorder::on_finish(const World& /*world*/, const State& state, int replicate) {
  auto& tr = trajectory_;
  tr.replicate = replicate;
  tr.final_control = state.control;
  tr.vacuum_days = state.vacuum_days;
  tr.move_stats = state.move_stats;
  tr.initial_strength = state.initial_strength;
  tr.demobilised = state.demobilised;
  tr.recruited = state.recruited;
}

}  // namespace powershift
