// libFuzzer target for the sweep spec loader and design expansion: any input must either load
// (and expand within the limits) or be refused with InputError diagnostics that name the file;
// nothing else may escape, crash, or trip ASan/UBSan.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "powershift/model/error.hpp"
#include "powershift/sweep/design.hpp"
#include "powershift/sweep/spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  powershift::sweep::SweepLimits limits;
  limits.max_members = 20000;  // keep each input's work small; the limit itself is what is tested
  try {
    const auto spec =
        powershift::sweep::load_sweep_spec_text(text, "fuzz.yaml", POWERSHIFT_SWEEP_DIR, limits);
    const auto members = powershift::sweep::expand(spec, limits);
    if (static_cast<long long>(members.size()) != powershift::sweep::member_count(spec, limits)) {
      std::fprintf(stderr, "fuzz_sweep_spec: expand and member_count disagree\n");
      std::abort();
    }
    (void)powershift::sweep::design_csv(spec, members);
  } catch (const powershift::InputError& e) {
    for (const auto& d : e.diagnostics()) {
      if (d.message.empty() || (d.file != "fuzz.yaml" && d.file.rfind("fuzz.yaml", 0) != 0)) {
        std::fprintf(stderr, "fuzz_sweep_spec: malformed diagnostic: %s\n", d.format().c_str());
        std::abort();
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_sweep_spec: exception other than InputError escaped: %s\n",
                 e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz_sweep_spec: non-standard exception escaped\n");
    std::abort();
  }
  return 0;
}
