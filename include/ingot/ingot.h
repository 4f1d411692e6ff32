// The umbrella header.
#pragma once

#include "ingot/array.h"
#include "ingot/device.h"
#include "ingot/distributed.h"
#include "ingot/dtype.h"
#include "ingot/memory.h"
#include "ingot/ops.h"
#include "ingot/export.h"
#include "ingot/fast.h"
#include "ingot/fft.h"
#include "ingot/io.h"
#include "ingot/random.h"
#include "ingot/threads.h"
#include "ingot/transforms.h"
