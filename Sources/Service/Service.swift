// Service module placeholder
