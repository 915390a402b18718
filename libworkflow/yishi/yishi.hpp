// The umbrella header: everything a program embedding yishi needs.
#pragma once

#include "yishi/base/result.hpp"
#include "yishi/calendar/calendar.hpp"
#include "yishi/check/check.hpp"
#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/diag/diagnostic.hpp"
#include "yishi/ir/bundle.hpp"
#include "yishi/source/source_map.hpp"
#include "yishi/yaml/load.hpp"
