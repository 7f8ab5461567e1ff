// HTTPServer module placeholder
